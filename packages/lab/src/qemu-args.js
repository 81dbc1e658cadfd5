import { labArches } from './arch.js';

/**
 * The QEMU command line of one lab boot (pure: paths in, argv out).
 * @param {{ vmlinuz: string, initramfs: string, runDir: string, outDir: string, accel: 'tcg'|'kvm',
 *   mode?: 'run'|'shell'|'probe', bios?: string, memoryMB?: number, smp?: number, extraAppend?: string,
 *   arch?: import('./arch.js').LabArch, archRoot?: string }} o `archRoot`: a root laid over the
 *   host's (the arm64 userland), shared as `archroot`
 */
export function qemuArgs(o) {
  const mode = o.mode ?? 'run';
  const arch = o.arch ?? labArches.x64;
  const append = [
    `console=${arch.console}`,
    'quiet',
    'panic=-1',
    'oops=panic',
    'mitigations=off',
    'random.trust_cpu=on',
    // TCG on a loaded host can starve the guest's timer check at boot ("IO-APIC + timer
    // doesn't work!" panic, seen at load 36 on 2 cores); the check is pointless in a VM.
    'no_timer_check',
    `dmabuf_lab.mode=${mode}`,
    o.extraAppend ?? '',
  ]
    .filter(Boolean)
    .join(' ');
  const args = [
    ...arch.machine,
    '-nodefaults',
    '-no-user-config',
    ...(o.accel === 'kvm'
      ? ['-accel', 'kvm', '-cpu', 'host']
      : ['-accel', 'tcg,thread=multi', '-cpu', arch.cpu]),
    '-m',
    String(o.memoryMB ?? 2048),
    '-smp',
    String(o.smp ?? 2),
    '-display',
    'none',
    ...(arch.vga ? ['-vga', 'none'] : []),
    '-no-reboot',
    ...(o.bios ? ['-bios', o.bios] : []),
    '-nic',
    'none',
    '-kernel',
    o.vmlinuz,
    '-initrd',
    o.initramfs,
    '-append',
    append,
    '-serial',
    `file:${o.runDir}/console.log`,
  ];
  if (mode === 'probe') return args;
  args.push(
    '-virtfs',
    'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs',
    `local,path=${o.outDir},mount_tag=out,security_model=none,multidevs=remap`,
    ...(o.archRoot
      ? [
          '-virtfs',
          `local,path=${o.archRoot},mount_tag=archroot,security_model=none,readonly=on,multidevs=remap`,
        ]
      : []),
    '-device',
    'virtio-gpu-pci',
    '-qmp',
    `unix:${o.runDir}/qmp.sock,server=on,wait=off`,
    '-device',
    'virtio-serial-pci',
  );
  const ports = mode === 'shell' ? ['tty'] : ['stdout', 'stderr', 'stdin'];
  for (const name of ports) {
    args.push('-chardev', `socket,id=${name},path=${o.runDir}/${name}.sock`);
    args.push(
      '-device',
      name === 'tty'
        ? `virtconsole,chardev=${name},name=${name}`
        : `virtserialport,chardev=${name},name=${name}`,
    );
  }
  return args;
}
