import { TsmesosError } from '../domain/errors.js';

/**
 * One launch per container id at a time, for every containerizer: a second launch of an id
 * that is running or still starting is a CONFLICT, and a kill can wait for a launch in flight
 * (`starting`) before it looks for the container.
 */
export function launchOnce<T>(
  id: string,
  running: ReadonlyMap<string, unknown>,
  starting: Map<string, Promise<unknown>>,
  start: () => Promise<T>,
): Promise<T> {
  if (running.has(id) || starting.has(id)) return Promise.reject(new TsmesosError('CONFLICT', `Container '${id}' is already running`));
  const launching = start();
  starting.set(id, launching);
  const forget = (): void => void starting.delete(id);
  launching.then(forget, forget);
  return launching;
}

/** The running container `id` once a launch of it still in flight has settled; undefined when there is none. */
export async function settledContainer<C>(id: string, running: ReadonlyMap<string, C>, starting: ReadonlyMap<string, Promise<unknown>>): Promise<C | undefined> {
  await starting.get(id)?.catch(() => undefined);
  return running.get(id);
}
