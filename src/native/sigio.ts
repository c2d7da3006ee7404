/**
 * The process's one SIGIO listener, shared by every event fd watched in
 * SIGIO mode (fcntl O_ASYNC). The signal does not say which fd became
 * readable, so each delivery drains them all; draining an fd with nothing
 * pending costs one EAGAIN read.
 *
 * SIGIO's default action ends the process, so the listener must be in place
 * before any fd has O_ASYNC set and stay until the last one has cleared it:
 * callers register first and enable O_ASYNC after, and disable it before
 * unregistering.
 */
const drains = new Set<() => void>();

function onSigio(): void {
  // A drain may end its own watch (hang-up) and unregister: iterate a copy.
  for (const drain of [...drains]) drain();
}

/** Adds `drain` to what runs on SIGIO; returns the function that removes it. */
export function onSigioDrain(drain: () => void): () => void {
  if (drains.size === 0) process.on("SIGIO", onSigio);
  drains.add(drain);
  return () => {
    if (!drains.delete(drain)) return;
    if (drains.size === 0) process.off("SIGIO", onSigio);
  };
}
