/** Texts as the lab's 6.12 kernel printed them (udmabuf 'probe-a' mapped, a system-heap buffer). */
export const FDINFO_UDMABUF =
  'pos:\t0\nflags:\t02000002\nmnt_id:\t12\nino:\t1\nsize:\t65536\ncount:\t2\nexp_name:\tudmabuf\nname:\tprobe-a\n';
export const FDINFO_HEAP =
  'pos:\t0\nflags:\t02000002\nmnt_id:\t12\nino:\t2\nsize:\t8192\ncount:\t2\nexp_name:\tsystem\n';
export const FDINFO_NOT_DMABUF = 'pos:\t0\nflags:\t02100002\nmnt_id:\t35\nino:\t97\n';

export const MAPS = [
  '7f37e059a000-7f37e05aa000 rw-s 00000000 00:0b 1                          /dmabuf:probe-a',
  '7f37e05aa000-7f37e05ac000 r--p 00000000 00:1b 10863101                   /work/x/dmabuf_heap.node',
  '7f37e05de000-7f37e05e2000 r--p 00000000 00:1b 10734787                   /work/x/dmabuf_core.node',
  '7f37e33e1000-7f37e33e3000 rw-s 00000000 00:0b 2                          /dmabuf:',
  '7f37e33e3000-7f37e33e4000 r--s 00001000 00:0b 2                          /dmabuf:',
  '',
].join('\n');

export const BUFINFO = [
  '',
  'Dma-buf Objects:',
  'size    \tflags   \tmode    \tcount   \texp_name\tino     \tname',
  '00008192\t00000002\t00080007\t00000002\tsystem\t00000002\t<none>',
  '\tAttached Devices:',
  'Total 0 devices attached',
  '',
  '00065536\t00000002\t00080007\t00000001\tudmabuf\t00000001\tprobe-a',
  '\tAttached Devices:',
  'Total 0 devices attached',
  '',
  '00004096\t00000002\t00080007\t00000003\tvirtio_gpu\t00000007\t<none>',
  '\twrite fence:virtio_gpu timeline:ctx 1 seq 5 signalled',
  '\tAttached Devices:',
  '\tvivid-000',
  '\t0000:00:02.0',
  'Total 2 devices attached',
  '',
  '',
  'Total 3 objects, 77824 bytes',
  '',
].join('\n');
