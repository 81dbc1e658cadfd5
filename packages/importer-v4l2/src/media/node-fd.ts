import { closeFd, LifecycleError } from '@dmabuf/core';

/** The fd of an opened media or sub-device node: handed out while open, closed once. */
export class NodeFd {
  readonly #fd: number;
  readonly #name: string;
  readonly #reopen: string;
  #closed = false;

  /** `name` is how messages call the node; `reopen` says how to open it again, e.g. 'MediaDevice.open'. */
  constructor(fd: number, name: string, reopen: string) {
    this.#fd = fd;
    this.#name = name;
    this.#reopen = reopen;
  }

  /** The fd; once closed, a LifecycleError (EBADF) that says how to open the node again. */
  get fd(): number {
    if (this.#closed)
      throw new LifecycleError(`${this.#name} is closed`, {
        code: 'EBADF',
        hint: `Open it again (${this.#reopen})`,
      });
    return this.#fd;
  }

  /** Close the fd. Once; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeFd(this.#fd);
  }
}
