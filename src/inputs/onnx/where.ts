// ONNX errors say which model they are about: shape inference and graph checks know nodes and
// tensors, not the file or the net. The call sites that know both wrap their work in these.

export interface ModelPlace {
  /** The net's name on the command line (--net NAME=PATH). */
  name: string;
  /** The model file, when there is one (tests build models in memory). */
  path?: string;
}

/** `net NAME (PATH): ` unless the message names the file already. */
export function placeError(error: unknown, place: ModelPlace): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (place.path !== undefined && message.includes(place.path)) return error instanceof Error ? error : new Error(message);
  const where = place.path === undefined ? `net ${place.name}` : `net ${place.name} (${place.path})`;
  return new Error(`${where}: ${message.replace(new RegExp(`^net ${escape(place.name)}: `), '')}`, { cause: error });
}

export function inModel<T>(place: ModelPlace, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw placeError(error, place);
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
