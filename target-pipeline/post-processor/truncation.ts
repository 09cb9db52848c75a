/**
 * Recovering a JSON object whose text was cut short: keep every top-level member whose
 * value is known to be complete, drop the dangling partial one, close the object.
 *
 * Only the root object is closed. A string, number, array or nested object that was
 * still open at the cut is dropped whole, never closed: closing it would fabricate a
 * shorter model_version, a rounded score, or a top_k list with fewer entries than the
 * model produced, and the schema could not tell. A dropped required member then shows
 * up as missing, which the repair step derives or refuses.
 */

type Frame =
  | { kind: 'object'; state: 'keyOrEnd' | 'key' | 'colon' | 'value' | 'commaOrEnd' }
  | { kind: 'array'; state: 'valueOrEnd' | 'value' | 'commaOrEnd' };

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
/** Characters that can continue a number or a true/false/null literal. */
const SCALAR_CHAR = /[0-9a-zA-Z+\-.]/;

/**
 * Returns the repaired text, or undefined when `text` is not a truncated JSON object
 * (a syntax error elsewhere, another root type, or nothing complete to keep).
 */
export function closeTruncatedObject(text: string): string | undefined {
  const stack: Frame[] = [];
  let rootStarted = false;
  // End offset of the last complete top-level member (or of the root's "{").
  let lastSafeEnd: number | undefined;
  let i = 0;

  const valueDone = (): void => {
    const top = stack.at(-1);
    if (top === undefined) return;
    top.state = 'commaOrEnd';
    if (stack.length === 1) lastSafeEnd = i;
  };

  while (i < text.length) {
    const c = text[i] as string;
    if (WHITESPACE.has(c)) {
      i++;
      continue;
    }
    const top = stack.at(-1);
    if (top === undefined) {
      // Only a root object can be repaired; anything after a complete root is garbage.
      if (rootStarted || c !== '{') return undefined;
      rootStarted = true;
      stack.push({ kind: 'object', state: 'keyOrEnd' });
      i++;
      lastSafeEnd = i;
      continue;
    }
    if (top.state === 'commaOrEnd') {
      if (c === ',') {
        top.state = top.kind === 'object' ? 'key' : 'value';
        i++;
      } else if ((c === '}' && top.kind === 'object') || (c === ']' && top.kind === 'array')) {
        stack.pop();
        i++;
        if (stack.length === 0) return undefined; // the root closed: not a truncation
        valueDone();
      } else {
        return undefined;
      }
      continue;
    }
    if (top.kind === 'object' && top.state !== 'value') {
      if (top.state === 'colon') {
        if (c !== ':') return undefined;
        top.state = 'value';
        i++;
      } else if (c === '}' && top.state === 'keyOrEnd') {
        stack.pop();
        i++;
        if (stack.length === 0) return undefined;
        valueDone();
      } else if (c === '"') {
        const end = stringEnd(text, i);
        if (end === undefined) break; // cut inside a key
        top.state = 'colon';
        i = end;
      } else {
        return undefined;
      }
      continue;
    }
    if (top.kind === 'array' && top.state === 'valueOrEnd' && c === ']') {
      stack.pop();
      i++;
      valueDone();
      continue;
    }
    // A value starts here.
    if (c === '{') {
      stack.push({ kind: 'object', state: 'keyOrEnd' });
      i++;
    } else if (c === '[') {
      stack.push({ kind: 'array', state: 'valueOrEnd' });
      i++;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      if (end === undefined) break; // cut inside a string value
      i = end;
      valueDone();
    } else if (SCALAR_CHAR.test(c)) {
      let end = i;
      while (end < text.length && SCALAR_CHAR.test(text[end] as string)) end++;
      // A number at the very end may have lost digits ("0.9" of "0.93"): not complete.
      if (end === text.length) break;
      if (!isJsonScalar(text.slice(i, end))) return undefined;
      i = end;
      valueDone();
    } else {
      return undefined;
    }
  }

  if (lastSafeEnd === undefined) return undefined;
  return `${text.slice(0, lastSafeEnd).trimEnd()}}`;
}

/** Offset just past the closing quote of the string opening at `start`, if it closes. */
function stringEnd(text: string, start: number): number | undefined {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  return undefined;
}

function isJsonScalar(token: string): boolean {
  try {
    JSON.parse(token);
    return true;
  } catch {
    return false;
  }
}
