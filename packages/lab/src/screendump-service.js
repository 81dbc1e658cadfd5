/** Placeholder until the QMP screendump service lands. */
export function watchScreendumpRequests() {
  return { close() {} };
}
