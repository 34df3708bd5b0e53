// The Mesos rule for user-supplied ids (task, executor, framework...): they become path
// segments on agents, so the one check lives here and both the API edge and the sandbox
// layout use it.
/** Linux NAME_MAX: a longer segment cannot be a file name. */
const MAX_ID_BYTES = 255;
const UNSAFE_ID_CHARS = /[/\\\u0000-\u001f\u007f]/;

/** Why `id` is not a valid Mesos id, or undefined when it is. */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'must not be empty';
  if (Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES) return `must be at most ${MAX_ID_BYTES} bytes`;
  if (id === '.' || id === '..') return 'must not be "." or ".."';
  if (UNSAFE_ID_CHARS.test(id)) return 'must not contain "/", "\\" or control characters';
  return undefined;
}
