// The refusals of the buffer lifecycle's state machine (lifecycle.ts): each
// names the buffer and device and says which call would have been legal.
import { LifecycleError } from './errors.js';

export function mapAfterDetach(buffer: string, device: string): LifecycleError {
  return new LifecycleError(`${buffer}: map after detach (${device})`, {
    code: 'EINVAL',
    hint: 'Attach again (buf.attach(device)) before mapping',
  });
}

export function alreadyUnmapped(device: string): LifecycleError {
  return new LifecycleError(`mapping of ${device} already unmapped`, {
    code: 'EINVAL',
    hint: 'Unmap each mapping once',
  });
}

export function alreadyDetached(buffer: string, device: string): LifecycleError {
  return new LifecycleError(`${buffer}: ${device} already detached`, {
    code: 'EINVAL',
    hint: 'Detach each attachment once',
  });
}

export function detachWhileMapped(buffer: string, device: string, mappings: number): LifecycleError {
  return new LifecycleError(`${buffer}: detach while mapped (${device} has ${mappings} live mapping(s))`, {
    code: 'EBUSY',
    hint: 'Unmap every mapping of this attachment first (mapping.unmap() or `using`)',
  });
}

export function releaseWhileAttached(buffer: string, devices: string[]): LifecycleError {
  return new LifecycleError(
    `${buffer}: release with ${devices.length} live attachment(s) (${devices.join(', ')})`,
    {
      code: 'EBUSY',
      hint: 'Detach every attachment before the last put()',
    },
  );
}

/** A running link holds the buffer (frames pass through it in native code): stop the link first. */
export class LinkHeldError extends LifecycleError {}

export function heldByLink(buffer: string, holder: string, what: string): LinkHeldError {
  return new LinkHeldError(`${buffer}: ${what} refused: ${holder} holds it`, {
    code: 'EBUSY',
    hint: 'Stop the link first (await link.stop()); it gives every buffer back',
  });
}
