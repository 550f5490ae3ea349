import { safeText, stripAnsi, type Paint } from '../format/index.js';

/**
 * ANSI styling under one switch. The ui paints its own strings instead of
 * passing colour props to Ink, so NO_COLOR (and `noColor`) is honoured in one
 * place, whatever the colour library beneath Ink decides.
 */
export interface Painter extends Paint {
  readonly enabled: boolean;
  inverse(s: string): string;
}

export { stripAnsi };

const SGR = (open: number, close: number) => (s: string) => (s === '' ? s : `\x1b[${open}m${s}\x1b[${close}m`);

export function makePainter(enabled: boolean): Painter {
  if (!enabled) {
    const id = (s: string) => s;
    return { enabled, dim: id, bold: id, inverse: id, green: id, red: id, yellow: id, cyan: id, raw: stripAnsi };
  }
  return {
    enabled,
    dim: SGR(2, 22),
    bold: SGR(1, 22),
    inverse: SGR(7, 27),
    green: SGR(32, 39),
    red: SGR(31, 39),
    yellow: SGR(33, 39),
    cyan: SGR(36, 39),
    raw: (s) => s,
  };
}

/**
 * Text made safe to draw: the one step every string takes before it reaches
 * the terminal. Colour sequences are kept when colour is on (dropped when it
 * is off); every other control is shown as a dimmed escape and never sent.
 */
export function onScreen(s: string, p: Painter): string {
  return safeText(s, p.enabled ? { sgr: 'keep', mark: p.dim } : { sgr: 'strip' });
}

/** Colour is on unless NO_COLOR is set (to anything non-empty) or the caller says no. */
export function colourWanted(noColor: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (noColor) return false;
  const v = env['NO_COLOR'];
  return v === undefined || v === '';
}
