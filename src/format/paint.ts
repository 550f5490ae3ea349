/**
 * The styles text may be drawn in. format/ writes every view through one of
 * these; plain text uses PLAIN, and the terminal passes a painter that adds
 * colour, so both show the same words.
 */
export interface Paint {
  dim(s: string): string;
  bold(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  /** Stored text that may hold ANSI colours (tracebacks): kept by a colour painter, stripped by PLAIN. */
  raw(s: string): string;
}

// CSI sequences, OSC sequences (terminated by BEL or ST), and lone two-byte escapes.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(s: string): string {
  return s.includes('\x1b') ? s.replace(ANSI, '') : s;
}

const same = (s: string) => s;

export const PLAIN: Paint = { dim: same, bold: same, green: same, red: same, yellow: same, cyan: same, raw: stripAnsi };
