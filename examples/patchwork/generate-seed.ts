// Writes examples/patchwork/seed.sql: a compact SQL script that fills a Patchwork-shaped database
// (migrated to version 0004) with production-shaped data, generated server-side.
//
//   npx tsx examples/patchwork/generate-seed.ts [--patches N] [--out FILE]
//
// The script is deterministic: every value is a function of a row number, through PostgreSQL's
// `hashint8extended(value, seed)` (the stable hash behind hash partitioning, identical on every
// PostgreSQL version since 11 and on PGlite), so the same N always gives byte-identical data on
// every engine, and up/down/up of a migration can be compared row for row. Nothing here uses
// random(), now() or the session's time zone.
//
// Shape (defaults, N = patches):
//   projects 40 (a few kernel-sized lists hold most patches, a long tail of small ones),
//   people ~N/12 (heavily skewed: a few prolific submitters), users ~people/10 (CI bots first),
//   states 11 (Patchwork's defaults), series ~N/6, patches N, comments N/4 (a few hot threads),
//   checks N/5, events N/10, bundles, tags and tag counts.
// Realistic oddities: NULL and empty names and contents, pull requests without a diff, some
// multi-KB diffs and replies, unicode names.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// ---------------------------------------------------------------------------------------------
// Arguments

// Above 100,000 so that backfilling every patch crosses rehearse's default write-volume limit,
// and small enough that the README's first command (PGlite, in-process) stays well under 30 s.
const DEFAULT_PATCHES = 105_000;
const DEFAULT_OUT = fileURLToPath(new URL('./seed.sql', import.meta.url));

const { values: args } = parseArgs({
  options: {
    patches: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  process.stdout.write('usage: npx tsx examples/patchwork/generate-seed.ts [--patches N] [--out FILE]\n');
  process.exit(0);
}
const patches = args.patches === undefined ? DEFAULT_PATCHES : Number(args.patches);
if (!Number.isInteger(patches) || patches < 100 || patches > 50_000_000) {
  process.stderr.write(`--patches must be an integer between 100 and 50000000, got ${args.patches}\n`);
  process.exit(2);
}
const out = args.out === undefined ? DEFAULT_OUT : resolve(args.out);

// ---------------------------------------------------------------------------------------------
// Vocabulary. Arrays are emitted as SQL array literals and indexed by hash.

interface Project {
  linkname: string;
  name: string;
  listid: string;
  web: string;
}

// Ordered by size: the weights below make the first few hold most of the patches.
const PROJECTS: Project[] = [
  { linkname: 'netdevbpf', name: 'Netdev + BPF', listid: 'netdev.vger.kernel.org', web: 'https://kernel.org' },
  { linkname: 'linux-arm-kernel', name: 'Linux ARM Kernel Architecture', listid: 'linux-arm-kernel.lists.infradead.org', web: 'https://kernel.org' },
  { linkname: 'linux-mm', name: 'Linux Memory Management', listid: 'linux-mm.kvack.org', web: 'https://linux-mm.org' },
  { linkname: 'dri-devel', name: 'DRI Development', listid: 'dri-devel.lists.freedesktop.org', web: 'https://dri.freedesktop.org' },
  { linkname: 'qemu-devel', name: 'QEMU Development', listid: 'qemu-devel.nongnu.org', web: 'https://www.qemu.org' },
  { linkname: 'linux-wireless', name: 'Linux Wireless Mailing List', listid: 'linux-wireless.vger.kernel.org', web: 'https://wireless.wiki.kernel.org' },
  { linkname: 'linuxppc-dev', name: 'Linux PPC development', listid: 'linuxppc-dev.lists.ozlabs.org', web: 'https://kernel.org' },
  { linkname: 'linux-pci', name: 'Linux PCI development', listid: 'linux-pci.vger.kernel.org', web: 'https://kernel.org' },
  { linkname: 'u-boot', name: 'U-Boot', listid: 'u-boot.lists.denx.de', web: 'https://www.denx.de/wiki/U-Boot' },
  { linkname: 'ffmpeg', name: 'FFmpeg', listid: 'ffmpeg-devel.ffmpeg.org', web: 'https://ffmpeg.org' },
  { linkname: 'gcc', name: 'GCC patches', listid: 'gcc-patches.gcc.gnu.org', web: 'https://gcc.gnu.org' },
  { linkname: 'glibc', name: 'GNU C Library', listid: 'libc-alpha.sourceware.org', web: 'https://www.gnu.org/software/libc' },
  { linkname: 'dpdk', name: 'DPDK', listid: 'dev.dpdk.org', web: 'https://www.dpdk.org' },
  { linkname: 'openvswitch', name: 'Open vSwitch', listid: 'ovs-dev.openvswitch.org', web: 'https://www.openvswitch.org' },
  { linkname: 'buildroot', name: 'Buildroot development', listid: 'buildroot.buildroot.org', web: 'https://buildroot.org' },
  { linkname: 'openwrt', name: 'OpenWrt development', listid: 'openwrt-devel.lists.openwrt.org', web: 'https://openwrt.org' },
  { linkname: 'linux-kselftest', name: 'Linux Kernel Selftest development', listid: 'linux-kselftest.vger.kernel.org', web: 'https://kernel.org' },
  { linkname: 'linux-input', name: 'Linux Input', listid: 'linux-input.vger.kernel.org', web: 'https://kernel.org' },
  { linkname: 'linux-rdma', name: 'Linux RDMA and InfiniBand development', listid: 'linux-rdma.vger.kernel.org', web: 'https://kernel.org' },
  { linkname: 'linux-btrfs', name: 'Linux Btrfs', listid: 'linux-btrfs.vger.kernel.org', web: 'https://btrfs.wiki.kernel.org' },
  { linkname: 'intel-gfx', name: 'Intel Graphics Development', listid: 'intel-gfx.lists.freedesktop.org', web: 'https://01.org/linuxgraphics' },
  { linkname: 'alsa-devel', name: 'ALSA Development', listid: 'alsa-devel.alsa-project.org', web: 'https://www.alsa-project.org' },
  { linkname: 'linux-doc-ja', name: 'Linux ドキュメント翻訳', listid: 'linux-doc-ja.osdn.me', web: 'https://osdn.net' },
  { linkname: 'kernel-de', name: 'Kernel-Übersetzungen (Deutsch)', listid: 'kernel-de.lists.example.de', web: 'https://example.de' },
  { linkname: 'skiboot', name: 'skiboot firmware development', listid: 'skiboot.lists.ozlabs.org', web: 'https://github.com/open-power/skiboot' },
  { linkname: 'patchwork', name: 'Patchwork development', listid: 'patchwork.lists.ozlabs.org', web: 'https://github.com/getpatchwork/patchwork' },
  { linkname: 'snowpatch', name: 'snowpatch', listid: 'snowpatch.lists.ozlabs.org', web: 'https://github.com/ruscur/snowpatch' },
  { linkname: 'cbe-oss-dev', name: 'Cell Broadband Engine OSS Development', listid: 'cbe-oss-dev.ozlabs.org', web: '' },
  { linkname: 'ltp', name: 'Linux Test Project', listid: 'ltp.lists.linux.it', web: 'https://linux-test-project.github.io' },
  { linkname: 'mptcp', name: 'MPTCP upstream', listid: 'mptcp.lists.linux.dev', web: 'https://www.multipath-tcp.org' },
  { linkname: 'nandu', name: 'Ñandú toolchain', listid: 'nandu-dev.lists.example.org', web: '' },
  { linkname: 'fstests', name: 'fstests', listid: 'fstests.vger.kernel.org', web: 'https://kernel.org' },
  { linkname: 'linux-sparse', name: 'sparse', listid: 'linux-sparse.vger.kernel.org', web: 'https://sparse.docs.kernel.org' },
  { linkname: 'cifs-client', name: 'CIFS client', listid: 'linux-cifs.vger.kernel.org', web: 'https://wiki.samba.org' },
  { linkname: 'netfilter-devel', name: 'Netfilter Development', listid: 'netfilter-devel.vger.kernel.org', web: 'https://netfilter.org' },
  { linkname: 'linux-um', name: 'User Mode Linux', listid: 'linux-um.lists.infradead.org', web: 'https://user-mode-linux.sourceforge.io' },
  { linkname: 'uclibc-ng', name: 'uClibc-ng', listid: 'devel.uclibc-ng.org', web: 'https://uclibc-ng.org' },
  { linkname: 'xdp-newbies', name: 'XDP newbies', listid: 'xdp-newbies.vger.kernel.org', web: '' },
  { linkname: 'sparclinux', name: 'Linux SPARC', listid: 'sparclinux.vger.kernel.org', web: 'https://kernel.org' },
  { linkname: 'dev-null', name: 'Test project — do not use', listid: 'dev-null.example.org', web: '' },
];
// Zipf-like weights (exponent 1.6): the first project ~44% of the patches, the first five ~75%.
const PROJECT_WEIGHTS = PROJECTS.map((_, i) => 1 / Math.pow(i + 1, 1.6));

const FIRST = [
  ['José', 'jose'], ['Zoë', 'zoe'], ['Łukasz', 'lukasz'], ['Jérôme', 'jerome'], ['Søren', 'soren'],
  ['Ævar', 'aevar'], ['Jürgen', 'juergen'], ['Ярослав', 'yaroslav'], ['张伟', 'zhang.wei'], ['Nguyễn', 'nguyen'],
  ['David', 'david'], ['Greg', 'greg'], ['Jakub', 'jakub'], ['Andrew', 'andrew'], ['Arnd', 'arnd'],
  ['Christoph', 'christoph'], ['Dan', 'dan'], ['Eric', 'eric'], ['Florian', 'florian'], ['Geert', 'geert'],
  ['Hans', 'hans'], ['Ilpo', 'ilpo'], ['Jani', 'jani'], ['Kalle', 'kalle'], ['Linus', 'linus'],
  ['Mark', 'mark'], ['Neil', 'neil'], ['Olga', 'olga'], ['Paolo', 'paolo'], ['Quentin', 'quentin'],
  ['Rafael', 'rafael'], ['Stephen', 'stephen'], ['Thomas', 'thomas'], ['Uwe', 'uwe'], ['Vlastimil', 'vlastimil'],
  ['Will', 'will'], ['Xin', 'xin'], ['Yang', 'yang'], ['Zheng', 'zheng'], ['Aishwarya', 'aishwarya'],
] as const;
const LAST = [
  ['García', 'garcia'], ['Müller', 'mueller'], ['Kowalski', 'kowalski'], ['Østergaard', 'ostergaard'], ['Björnsson', 'bjornsson'],
  ['Ivanov', 'ivanov'], ['Tanaka', 'tanaka'], ['Li', 'li'], ['Chen', 'chen'], ['Kroah-Hartman', 'kroah-hartman'],
  ['Miller', 'miller'], ['Kicinski', 'kicinski'], ['Morton', 'morton'], ['Bergmann', 'bergmann'], ['Hellwig', 'hellwig'],
  ['Carpenter', 'carpenter'], ['Dumazet', 'dumazet'], ['Fainelli', 'fainelli'], ['Uytterhoeven', 'uytterhoeven'], ['de Goede', 'degoede'],
  ['Järvinen', 'jarvinen'], ['Nikula', 'nikula'], ['Valo', 'valo'], ['Torvalds', 'torvalds'], ['Brown', 'brown'],
  ['Horman', 'horman'], ['Kirch', 'kirch'], ['Abeni', 'abeni'], ['Monnet', 'monnet'], ['Wysocki', 'wysocki'],
  ['Rothwell', 'rothwell'], ['Gleixner', 'gleixner'], ['Kleine-König', 'kleine-koenig'], ['Babka', 'babka'], ['Deacon', 'deacon'],
  ['Long', 'long'], ['Yang', 'yang'], ['Zhang', 'zhang'], ['Wang', 'wang'], ['Liu', 'liu'],
  ['Smith', 'smith'], ['Jones', 'jones'], ['Nováková', 'novakova'], ['Đorđević', 'djordjevic'], ['O\'Brien', 'obrien'],
  ['Šimůnek', 'simunek'], ['Gonçalves', 'goncalves'], ['Pérez', 'perez'], ['Rossi', 'rossi'], ['Kuznetsova', 'kuznetsova'],
] as const;
const DOMAINS = [
  'kernel.org', 'redhat.com', 'intel.com', 'linaro.org', 'suse.de', 'google.com',
  'gmail.com', 'arm.com', 'nvidia.com', 'huawei.com', 'oracle.com', 'linux.ibm.com',
];
const PEOPLE_COMBINATIONS = FIRST.length * LAST.length * DOMAINS.length; // 24,000
const PEOPLE_STRIDE = 7919; // prime, coprime with 24,000 and 2,000: a bijection id -> (first, last, domain)

const CI_BOTS = [
  'kernel-ci', 'intel-lkp', 'snowpatch', 'checkpatch', 'netdev-ci', 'patchwork-bot', 'dpdk-ci', 'ozlabs-ci',
  'buildbot', 'travis-ci', 'gitlab-ci', 'github-actions', 'kunit-bot', 'sparse-bot', 'coccinelle', 'smatch',
  'syzbot', 'ovs-robot', 'qemu-ci', 'u-boot-ci',
];

const STATES: [slug: string, name: string, actionRequired: boolean][] = [
  ['new', 'New', true],
  ['under-review', 'Under Review', true],
  ['accepted', 'Accepted', false],
  ['rejected', 'Rejected', false],
  ['rfc', 'RFC', false],
  ['not-applicable', 'Not Applicable', false],
  ['changes-requested', 'Changes Requested', false],
  ['awaiting-upstream', 'Awaiting Upstream', false],
  ['superseded', 'Superseded', false],
  ['deferred', 'Deferred', false],
  ['handled-elsewhere', 'Handled Elsewhere', false],
];
// State weights by state id, for old patches and for the newest 8% (still being reviewed).
const OLD_STATE_WEIGHTS = [5, 2, 40, 8, 3, 6, 9, 2, 18, 3, 4];
const RECENT_STATE_WEIGHTS = [52, 20, 8, 3, 4, 1, 8, 1, 2, 1, 0.5];

const SUBSYSTEMS = [
  'net: mlx5e', 'net: stmmac', 'bpf', 'selftests/bpf', 'mm', 'mm/slub', 'drm/i915', 'drm/amdgpu', 'arm64: dts',
  'ARM: dts: imx6', 'powerpc/64s', 'PCI', 'iwlwifi', 'ath11k', 'tcp', 'ipv6', 'nvme', 'block', 'btrfs', 'ext4',
  'xfs', 'kvm: x86', 'virtio_net', 'hw/arm/virt', 'target/riscv', 'board: rockchip', 'avcodec/h264', 'ovs-dpdk',
  'net/mlx5', 'package/busybox', 'ASoC: SOF', 'HID: logitech', 'tools: ynl', 'Documentation', 'MAINTAINERS',
];
const VERBS = [
  'fix', 'fix use-after-free in', 'fix NULL pointer dereference in', 'add support for', 'remove unused', 'convert',
  'simplify', 'use devm_kzalloc() in', 'avoid double free in', 'annotate data race in', 'drop redundant check in',
  'refactor', 'add tracepoint to', 'document', 'handle -EPROBE_DEFER in',
];
const OBJECTS = [
  'rx ring allocation', 'the probe path', 'page pool recycling', 'flow steering rules', 'xdp redirect', 'DMA mapping',
  'clock gating', 'the suspend path', 'firmware loading', 'error unwinding', 'device tree bindings', 'stats counters',
  'queue teardown', 'the fast path', 'locking around reset', 'memory hotplug', 'GPU reset handling', 'power domains',
  'réseau de test', 'the Kconfig help text',
];
const SUBJECT_TAGS = ['PATCH', 'PATCH', 'PATCH', 'PATCH', 'PATCH', 'PATCH net-next', 'PATCH net', 'PATCH bpf-next', 'RFC PATCH', 'PATCH RESEND'];
// Patches per series: a third are single patches, a few are long series.
const SERIES_SIZES = [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30];
const SERIES_MEAN = SERIES_SIZES.reduce((a, b) => a + b, 0) / SERIES_SIZES.length;

const PROSE = [
  'The driver did not release the DMA buffer when the firmware failed to load.',
  'This leads to a leak on every failed probe, which is easy to hit with deferred probing.',
  'Move the allocation after the check and unwind in reverse order.',
  'No functional change intended.',
  'Found by syzkaller; the reproducer triggers it within seconds.',
  'While at it, drop the now unused local variable.',
  'The lock was taken in the interrupt handler and in process context without disabling interrupts.',
  'Use the managed API so that the error paths become simpler.',
  'This has been tested on an i.MX8MP board and on QEMU.',
  'Without this change the counters wrap after about 49 days of uptime.',
  'Previous versions of this series were posted as RFC; this one addresses the review comments.',
  'Les tests de régression passent sur toutes les plateformes concernées.',
  'The binding was converted to YAML and the example updated accordingly.',
  'A follow-up series will remove the legacy interface once all users are converted.',
];
const FUNCTIONS = ['mlx5e_alloc_rq', 'stmmac_open', 'bpf_prog_load', 'free_pages_prepare', 'i915_gem_evict', 'nvme_reset_work', 'tcp_rcv_established', 'virtnet_probe', 'btrfs_commit_transaction', 'imx_clk_probe'];
const FILES = [
  'net/core/dev.c', 'kernel/bpf/syscall.c', 'mm/page_alloc.c', 'mm/slub.c', 'drivers/pci/probe.c',
  'net/ipv4/tcp_input.c', 'net/ipv6/addrconf.c', 'block/blk-mq.c', 'fs/ext4/inode.c', 'arch/x86/kvm/x86.c',
  'drivers/net/virtio_net.c', 'hw/arm/virt.c', 'target/riscv/cpu.c', 'libavcodec/h264dec.c', 'fs/btrfs/ioctl.c',
  'drivers/gpu/drm/i915/i915_gem.c', 'drivers/nvme/host/core.c', 'lib/vsprintf.c', 'MAINTAINERS',
];
// Body of the diffs: hunks are slices of this text, cut at line starts.
const CODE = `@@ -412,14 +412,17 @@ static int example_probe(struct platform_device *pdev)
 	struct example_priv *priv;
 	int err;
 
-	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
+	priv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
 	if (!priv)
 		return -ENOMEM;
 
 	priv->dev = &pdev->dev;
-	priv->base = ioremap(res->start, resource_size(res));
-	if (!priv->base) {
-		err = -ENOMEM;
-		goto err_free;
-	}
+	priv->base = devm_platform_ioremap_resource(pdev, 0);
+	if (IS_ERR(priv->base))
+		return PTR_ERR(priv->base);
 
 	spin_lock_init(&priv->lock);
+	mutex_init(&priv->reset_lock);
 	INIT_WORK(&priv->reset_work, example_reset_work);
 
 	err = example_hw_init(priv);
 	if (err)
-		goto err_unmap;
+		return dev_err_probe(&pdev->dev, err, "hw init failed\\n");
 
 	platform_set_drvdata(pdev, priv);
 	return 0;
-
-err_unmap:
-	iounmap(priv->base);
-err_free:
-	kfree(priv);
-	return err;
 }
@@ -1021,9 +1024,11 @@ static void example_rx_poll(struct example_ring *ring, int budget)
 	while (done < budget) {
 		struct sk_buff *skb;
 
-		skb = napi_alloc_skb(&ring->napi, ring->buf_len);
+		skb = napi_build_skb(ring->rx_buf[ring->head], ring->truesize);
 		if (unlikely(!skb)) {
+			ring->stats.alloc_failed++;
 			break;
 		}
+		skb_mark_for_recycle(skb);
 		skb_put(skb, desc->len);
 		skb->protocol = eth_type_trans(skb, ring->netdev);
 		napi_gro_receive(&ring->napi, skb);
 		done++;
 	}
`;
const CODE_LINES = CODE.split('\n').length - 1;
const MAX_HUNK_LINES = 200;
// The corpus is CODE repeated, so that a hunk of MAX_HUNK_LINES can start at any line of the first copy.
const CODE_REPEAT = Math.ceil(1 + MAX_HUNK_LINES / CODE_LINES);

const REPLIES = [
  'Looks good to me.',
  'This breaks the build on 32-bit ARM, please fix and resend.',
  'Could you split the cleanup from the fix? The fix should go to stable.',
  'Applied to the for-next branch, thanks!',
  'Why not use the existing helper here?',
  'I think the error path still leaks the buffer when the second allocation fails.',
  'Can you add a Fixes: tag?',
  'Merci, c\'est appliqué.',
  'Tested on my board, works fine.',
];
const TAGS: [name: string, pattern: string, abbrev: string][] = [
  ['Acked-by', '^Acked-by:', 'A'],
  ['Reviewed-by', '^Reviewed-by:', 'R'],
  ['Tested-by', '^Tested-by:', 'T'],
];
const CHECK_CONTEXTS = ['build', 'checkpatch', 'build_32bit', 'build_clang', 'kunit', 'sparse', 'ci/intel-x86_64', 'netdev/tree_selection', 'dpdk/github-robot', 'snowpatch/ppc64le'];
const CHECK_STATES = ['success', 'warning', 'fail', 'pending'];
const CHECK_STATE_WEIGHTS = [70, 12, 10, 8];
const EVENT_CATEGORIES = ['patch-created', 'patch-state-changed', 'patch-delegated', 'check-created', 'patch-completed'];
const EVENT_WEIGHTS = [40, 30, 8, 17, 5];

// ---------------------------------------------------------------------------------------------
// Sizes

const projects = PROJECTS.length;
const people = Math.min(PEOPLE_COMBINATIONS, Math.max(500, Math.round(patches / 12)));
const users = Math.max(CI_BOTS.length + 10, Math.min(2000 + CI_BOTS.length, Math.round(people / 10)));
// Enough series for N patches; the last one may be cut short, those after it are not created.
const seriesCandidates = Math.ceil((patches / SERIES_MEAN) * 1.1) + 10;
const comments = Math.round(patches / 4);
const checks = Math.round(patches / 5);
const events = Math.round(patches / 10);
const bundles = Math.max(10, Math.min(400, Math.round(users / 5)));
const START = '2008-01-01 00:00:00+00';
const SPAN_SECONDS = 16 * 365 * 86400; // 2008 .. 2024

// ---------------------------------------------------------------------------------------------
// SQL building blocks. The script starts by defining small helper functions in pg_temp (inlined
// by the planner, so they cost nothing per row); the TypeScript helpers below write calls to them.

/** A SQL string literal. */
function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
function textArray(xs: readonly string[]): string {
  return `ARRAY[${xs.map(lit).join(', ')}]`;
}
/** Dollar-quotes a text constant (the tag is chosen so that it cannot occur in the text). */
function dollar(s: string, tag = 'txt'): string {
  if (s.includes(`$${tag}$`)) throw new Error(`text contains its own quote tag $${tag}$`);
  return `$${tag}$${s}$${tag}$`;
}

const helpers: string[] = [];
const helperNames: string[] = [];
function helper(signature: string, returns: string, volatility: 'IMMUTABLE' | 'STABLE', body: string): void {
  helperNames.push(signature.slice(0, signature.indexOf('(')));
  helpers.push(`CREATE FUNCTION pg_temp.${signature} RETURNS ${returns} LANGUAGE sql ${volatility} AS ${dollar(`SELECT ${body}`, 'f')};`);
}
/** A vocabulary: a pg_temp function returning a constant text[]; returns the call. */
function vocab(name: string, xs: readonly string[]): string {
  helper(`${name}()`, 'text[]', 'IMMUTABLE', textArray(xs));
  return `(pg_temp.${name}())`;
}

/** Salts, one per decision, so that decisions are independent of each other. */
const salts = new Map<string, number>();
function salt(name: string): number {
  let s = salts.get(name);
  if (s === undefined) {
    s = salts.size + 1;
    salts.set(name, s);
  }
  return s;
}

helper('pick(k bigint, salt int, n bigint)', 'bigint', 'IMMUTABLE', '(hashint8extended(k, salt) & 2147483647) % n');
helper('unit(k bigint, salt int)', 'float8', 'IMMUTABLE', '(hashint8extended(k, salt) & 16777215) / 16777216.0::float8');
helper('choose(xs text[], k bigint, salt int)', 'text', 'IMMUTABLE', 'xs[1 + pg_temp.pick(k, salt, cardinality(xs))]');
helper('weighted(k bigint, salt int, bounds float8[])', 'int', 'IMMUTABLE', '1 + width_bucket(pg_temp.unit(k, salt), bounds)');
helper('skewed(k bigint, salt int, n int, power float8)', 'int', 'IMMUTABLE', '1 + floor(n * power(pg_temp.unit(k, salt), power))::int');

/** 0 .. n-1, uniformly, from row number `k`. */
function pick(k: string, decision: string, n: number | string): string {
  return `pg_temp.pick(${k}, ${salt(decision)}, ${n})`;
}
/** A float in [0, 1) from row number `k`. */
function unit(k: string, decision: string): string {
  return `pg_temp.unit(${k}, ${salt(decision)})`;
}
/** An element of a vocabulary, uniformly. */
function choose(vocabulary: string, k: string, decision: string): string {
  return `pg_temp.choose(${vocabulary}, ${k}, ${salt(decision)})`;
}
/** 1 .. weights.length, with the given relative weights. */
function weighted(weights: readonly number[], k: string, decision: string): string {
  const total = weights.reduce((a, b) => a + b, 0);
  const bounds: string[] = [];
  let acc = 0;
  for (const w of weights.slice(0, -1)) {
    acc += w;
    bounds.push(String(Number((acc / total).toFixed(5))));
  }
  return `pg_temp.weighted(${k}, ${salt(decision)}, '{${bounds.join(',')}}')`;
}
/** 1 .. n, skewed towards 1 (power law: the first ids get most of the picks). */
function skewed(n: number, power: number, k: string, decision: string): string {
  return `pg_temp.skewed(${k}, ${salt(decision)}, ${n}, ${power})`;
}

// People: id -> (first, last, domain) through a fixed bijection, so that emails are unique and
// every table can compute a person's name and address from the id alone (no joins needed).
const firstAscii = vocab('first_ascii', FIRST.map((f) => f[1]));
const firstNames = vocab('first_names', FIRST.map((f) => f[0]));
const lastAscii = vocab('last_ascii', LAST.map((l) => l[1]));
const lastNames = vocab('last_names', LAST.map((l) => l[0]));
const domains = vocab('domains', DOMAINS);
helper('person_index(p bigint)', 'bigint', 'IMMUTABLE', `(p - 1) * ${PEOPLE_STRIDE} % ${PEOPLE_COMBINATIONS}`);
helper(
  'person_email(p bigint)',
  'text',
  'IMMUTABLE',
  `${firstAscii}[1 + pg_temp.person_index(p) % ${FIRST.length}] || '.' || ${lastAscii}[1 + pg_temp.person_index(p) / ${FIRST.length} % ${LAST.length}] || '@' || ${domains}[1 + pg_temp.person_index(p) / ${FIRST.length * LAST.length}]`,
);
helper(
  'person_name(p bigint)',
  'text',
  'IMMUTABLE',
  `${firstNames}[1 + pg_temp.person_index(p) % ${FIRST.length}] || ' ' || ${lastNames}[1 + pg_temp.person_index(p) / ${FIRST.length} % ${LAST.length}]`,
);
const personEmail = (id: string) => `pg_temp.person_email(${id})`;
const personName = (id: string) => `pg_temp.person_name(${id})`;
/** Prolific submitters: person 1 posts a few percent of everything, most people post once or twice. */
const submitter = (k: string, decision: string) => skewed(people, 3, k, decision);

// The date of patch `id`: traffic grows over the years (dates ~ sqrt(id)), plus a little jitter.
helper(
  'patch_date(id bigint)',
  'timestamptz',
  'STABLE',
  `timestamptz '${START}' + (floor(${SPAN_SECONDS} * sqrt(id::float8 / ${patches})) + ${pick('id', 'patch-jitter', 600)}) * interval '1 second'`,
);
const patchDate = (id: string) => `pg_temp.patch_date(${id})`;

const projectIdOf = (k: string) => weighted(PROJECT_WEIGHTS, k, 'series-project');
const subsystems = vocab('subsystems', SUBSYSTEMS);
const verbs = vocab('verbs', VERBS);
const objects = vocab('objects', OBJECTS);
const subjectTags = vocab('subject_tags', SUBJECT_TAGS);
const prose = vocab('prose', PROSE);
const functions = vocab('functions', FUNCTIONS);
const files = vocab('files', FILES);
const replies = vocab('replies', REPLIES);
const checkContexts = vocab('check_contexts', CHECK_CONTEXTS);
// The diff corpus: the lines of CODE repeated. An immutable function without arguments, so the
// planner evaluates it once per statement; a hunk is a slice of it (slicing an array is cheap,
// unlike substr() of a long text, which rescans it for every row).
helper('corpus_lines()', 'text[]', 'IMMUTABLE', `string_to_array(repeat(${dollar(CODE)}, ${CODE_REPEAT}), E'\\n')`);
const ciBots = vocab('ci_bots', CI_BOTS);

// ---------------------------------------------------------------------------------------------
// The script

const sections: string[] = [];
const section = (title: string, sql: string) => sections.push(`-- ${title}\n${sql.trim()}\n`);

section(
  'Bulk load without the per-row foreign-key triggers, as pg_restore --disable-triggers does: the rows\n' +
    '-- are consistent by construction. Needs superuser; without it the load is only slower. Reset at the end.',
  `DO $$ BEGIN SET session_replication_role = replica; EXCEPTION WHEN insufficient_privilege THEN NULL; END $$;`,
);

section('Helpers (pg_temp, dropped at the end): hashing, vocabularies, people, dates, the diff corpus.', helpers.join('\n'));

section(
  'States: Patchwork\'s default workflow.',
  `
INSERT INTO states (id, slug, name, ordering, action_required) VALUES
${STATES.map(([slug, name, ar], i) => `  (${i + 1}, ${lit(slug)}, ${lit(name)}, ${i}, ${ar})`).join(',\n')};`,
);

section(
  `Projects: ${projects} mailing lists, from kernel-sized to tiny.`,
  `
INSERT INTO projects (id, linkname, name, listid, listemail, web_url, scm_url, list_archive_url, send_notifications, use_tags)
SELECT id, linkname, name, listid, regexp_replace(listid, '^([^.]+)\\.', '\\1@'), web,
       CASE WHEN id % 4 = 0 THEN '' ELSE 'git://git.example.org/' || linkname || '.git' END,
       CASE WHEN id % 3 = 0 THEN '' ELSE 'https://lore.kernel.org/' || linkname || '/' END,
       id % 5 = 1, id % 7 <> 0
FROM (VALUES
${PROJECTS.map((p, i) => `  (${i + 1}, ${lit(p.linkname)}, ${lit(p.name)}, ${lit(p.listid)}, ${lit(p.web)})`).join(',\n')}
) AS v(id, linkname, name, listid, web);`,
);

section(
  `Users: ${CI_BOTS.length} CI bots, then maintainers and reviewers (linked to people 1..${users - CI_BOTS.length}).`,
  `
INSERT INTO users (id, username, email, first_name, last_name, password, is_active, is_staff, date_joined, last_login)
SELECT u,
       CASE WHEN u <= ${CI_BOTS.length} THEN ${ciBots}[u]
            ELSE split_part(${personEmail(`u - ${CI_BOTS.length}`)}, '@', 1) END,
       CASE WHEN u <= ${CI_BOTS.length} THEN ${ciBots}[u] || '@ci.example.org'
            ELSE ${personEmail(`u - ${CI_BOTS.length}`)} END,
       CASE WHEN u <= ${CI_BOTS.length} THEN '' ELSE split_part(${personName(`u - ${CI_BOTS.length}`)}, ' ', 1) END,
       CASE WHEN u <= ${CI_BOTS.length} THEN '' ELSE substr(${personName(`u - ${CI_BOTS.length}`)}, strpos(${personName(`u - ${CI_BOTS.length}`)}, ' ') + 1) END,
       'pbkdf2_sha256$600000$' || substr(md5(u::text), 1, 22) || '$' || md5('pw' || u),
       ${pick('u', 'user-inactive', 100)} >= 4,
       u BETWEEN ${CI_BOTS.length + 1} AND ${CI_BOTS.length + 5},
       timestamptz '${START}' + ${pick('u', 'user-joined', SPAN_SECONDS)} * interval '1 second',
       CASE WHEN ${pick('u', 'user-login', 10)} < 3 THEN NULL
            ELSE timestamptz '2024-01-01 00:00:00+00' + ${pick('u', 'user-login-at', 180 * 86400)} * interval '1 second' END
FROM generate_series(1, ${users}) AS u;`,
);

section(
  `People: ${people} submitters by email; most of the first ${users - CI_BOTS.length} have an account.`,
  `
INSERT INTO people (id, email, name, user_id)
SELECT p,
       ${personEmail('p')},
       CASE WHEN ${pick('p', 'person-no-name', 100)} < 7 THEN NULL ELSE ${personName('p')} END,
       CASE WHEN p <= ${users - CI_BOTS.length} AND ${pick('p', 'person-linked', 10)} < 8 THEN p + ${CI_BOTS.length} END
FROM generate_series(1, ${people}) AS p;`,
);

section(
  'Series: sizes from 1 to 30 patches; the patches of a series get consecutive ids.',
  `
INSERT INTO series (id, project_id, submitter_id, name, date, version, total)
SELECT s, ${projectIdOf('s')}, ${submitter('s', 'series-submitter')},
       CASE WHEN ${pick('s', 'series-no-name', 100)} < 4 THEN NULL
            ELSE ${choose(subsystems, 's', 'series-subsystem')} || ': ' || ${choose(verbs, 's', 'series-verb')} || ' ' || ${choose(objects, 's', 'series-object')} END,
       ${patchDate('first_patch')},
       CASE WHEN ${pick('s', 'series-version', 100)} < 70 THEN 1 ELSE 2 + ${pick('s', 'series-version-n', 6)} END,
       total
FROM (
  SELECT s, total, sum(total) OVER (ORDER BY s) - total + 1 AS first_patch
  FROM (SELECT s, (ARRAY[${SERIES_SIZES.join(',')}])[1 + ${pick('s', 'series-size', SERIES_SIZES.length)}] AS total
        FROM generate_series(1, ${seriesCandidates}) AS s) sizes
) series_positions
WHERE first_patch <= ${patches};`,
);

const stateOf = (id: string) =>
  `CASE WHEN ${id} > ${Math.round(patches * 0.92)} THEN ${weighted(RECENT_STATE_WEIGHTS, id, 'patch-state-recent')} ELSE ${weighted(OLD_STATE_WEIGHTS, id, 'patch-state')} END`;
const patchSubject = `'[' || ${choose(subjectTags, 'id', 'patch-tag')} || CASE WHEN version > 1 THEN ' v' || version ELSE '' END
         || CASE WHEN total > 1 THEN ' ' || lpad(number::text, length(total::text), '0') || '/' || total ELSE '' END || '] '
         || ${choose(subsystems, 'id', 'patch-subsystem')} || ': ' || ${choose(verbs, 'id', 'patch-verb')} || ' ' || ${choose(objects, 'id', 'patch-object')}`;
const file = choose(files, 'id', 'patch-file');
// Hunk length in lines: mostly 1..3, 1% are big (40..200 lines, 1.5-7 KB).
const hunkLines = `CASE WHEN ${pick('id', 'patch-big', 1000)} < 10 THEN 40 + ${pick('id', 'patch-big-lines', MAX_HUNK_LINES - 40)} ELSE 1 + ${pick('id', 'patch-lines', 3)} END`;

section(
  `Patches: ${patches}. Msgids, subjects, mail headers, commit messages and diffs; 1% pull requests.`,
  `
INSERT INTO patches (id, msgid, project_id, submitter_id, delegate_id, state_id, series_id, number, name, date,
                     headers, content, diff, pull_url, commit_ref, archived)
SELECT id, msgid, project_id, submitter_id,
       CASE WHEN ${pick('id', 'patch-delegated', 100)} < 25 THEN ${CI_BOTS.length + 1} + (project_id * 7 + ${pick('id', 'patch-delegate', 5)}) % ${Math.min(200, users - CI_BOTS.length)} END,
       state_id, series_id, number, name, date,
       'From: ' || from_header || E'\\n'
         || 'To: ' || list_email,
       CASE WHEN ${pick('id', 'patch-content', 1000)} < 8 THEN NULL
            WHEN ${pick('id', 'patch-content', 1000)} < 30 THEN ''
            WHEN ${pick('id', 'patch-content', 1000)} < 32 THEN repeat(${choose(prose, 'id', 'patch-prose-long')} || ' ', 60)
            ELSE ${choose(prose, 'id', 'patch-prose')} || E'\\n\\nSigned-off-by: ' || from_header
       END,
       CASE WHEN is_pull THEN NULL ELSE
         'diff --git a/' || file || ' b/' || file || E'\\n'
         || '--- a/' || file || E'\\n+++ b/' || file || E'\\n'
         || '@@ -' || (10 + first_line * 7) || ',' || hunk_lines || ' +' || (10 + first_line * 7) || ',' || hunk_lines || ' @@ '
         || ${choose(functions, 'id', 'patch-function')} || E'()\\n'
         || array_to_string((pg_temp.corpus_lines())[first_line : first_line + hunk_lines - 1], E'\\n') || E'\\n'
       END,
       CASE WHEN is_pull THEN 'git://git.example.org/pub/scm/' || split_part(email, '@', 1) || '.git tags/for-next-' || id END,
       CASE WHEN state_id = 3 THEN lpad(to_hex(hashint8extended(id, ${salt('patch-commit')}) & 281474976710655), 12, '0') END,
       id < ${Math.round(patches * 0.7)} AND ${pick('id', 'patch-archived', 10)} < 6
FROM (
  SELECT id, s.series_id, number, version, total, s.project_id, s.submitter_id, pe.email, pr.listemail AS list_email,
         coalesce(pe.name || ' ', '') || '<' || pe.email || '>' AS from_header,
         '<' || to_char(${patchDate('id')} AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISS') || '.' || id || '-' || pe.email || '>' AS msgid,
         ${stateOf('id')} AS state_id,
         ${patchDate('id')} AS date,
         ${file} AS file,
         ${pick('id', 'patch-pull', 100)} = 0 AS is_pull,
         1 + ${pick('id', 'patch-first-line', CODE_LINES)} AS first_line,
         ${hunkLines} AS hunk_lines,
         ${patchSubject} AS name
  FROM (SELECT id AS series_id, project_id, submitter_id, version, total, sum(total) OVER (ORDER BY id) - total AS before
        FROM series) s
       JOIN (SELECT id AS person_id, name, email FROM people) pe ON pe.person_id = s.submitter_id
       JOIN (SELECT id AS list_project_id, listemail FROM projects) pr ON pr.list_project_id = s.project_id,
       generate_series(1, s.total) AS number,
       LATERAL (SELECT s.before + number AS id) i
  WHERE id <= ${patches}
  OFFSET 0 -- computed once per row, not inlined into every use below
) p;`,
);

// Comments: 70% spread over all patches, 30% on a 2.5% subset of hot threads.
const commentPatch = (i: string) =>
  `CASE WHEN ${pick(i, 'comment-hot', 10)} < 3 THEN 1 + ${pick(i, 'comment-hot-patch', Math.max(1, Math.floor(patches / 40)))} * 40
        ELSE 1 + ${pick(i, 'comment-patch', patches)} END`;
// Tag a reply carries: 1 Acked-by, 2 Reviewed-by, 3 Tested-by, 0 none.
const commentTag = (i: string) => `(ARRAY[1,1,1,2,2,2,2,3,0,0,0,0,0,0,0,0,0,0,0,0])[1 + ${pick(i, 'comment-tag', 20)}]`;

section(
  `Comments: ${comments} replies, quoting the patch, some with Acked-by/Reviewed-by/Tested-by.`,
  `
INSERT INTO comments (id, patch_id, submitter_id, msgid, date, headers, content)
SELECT i, patch_id, submitter_id,
       '<' || to_hex(hashint8extended(i, ${salt('comment-msgid')}) & 281474976710655) || '.' || i || '@' || split_part(pe.email, '@', 2) || '>',
       date,
       'From: ' || coalesce(pe.name || ' ', '') || '<' || pe.email || E'>\\nIn-Reply-To: <' || patch_id || '@patches>',
       CASE WHEN ${pick('i', 'comment-content', 1000)} < 5 THEN NULL
            WHEN ${pick('i', 'comment-content', 1000)} < 8 THEN repeat(E'> ' || ${choose(prose, 'i', 'comment-quote-long')} || E'\\n', 50) || ${choose(replies, 'i', 'comment-reply-long')}
            ELSE coalesce(quoted.name, quoted.email) || E' wrote:\\n> '
                 || ${choose(prose, 'i', 'comment-quote')} || E'\\n\\n' || ${choose(replies, 'i', 'comment-reply')}
                 || CASE tag WHEN 0 THEN '' ELSE E'\\n\\n' || (ARRAY['Acked-by: ','Reviewed-by: ','Tested-by: '])[tag]
                    || coalesce(pe.name || ' ', '') || '<' || pe.email || '>' END
       END
FROM (
  SELECT i, patch_id, submitter_id, quoted_id, tag,
         ${patchDate('patch_id')} + (60 + ${pick('i', 'comment-delay', 14 * 86400)}) * interval '1 second' AS date
  FROM (
    SELECT i, ${commentPatch('i')} AS patch_id, ${submitter('i', 'comment-submitter')} AS submitter_id,
           1 + ${pick('i', 'comment-quoted', people)} AS quoted_id, ${commentTag('i')} AS tag
    FROM generate_series(1, ${comments}) AS i
    OFFSET 0
  ) ids
  OFFSET 0
) c
JOIN people pe ON pe.id = c.submitter_id
JOIN people quoted ON quoted.id = c.quoted_id;`,
);

section(
  'Tags and the per-patch tag counts Patchwork keeps (computed from the same hashes as the replies).',
  `
INSERT INTO tags (id, name, pattern, abbrev, show_column) VALUES
${TAGS.map(([name, pattern, abbrev], i) => `  (${i + 1}, ${lit(name)}, ${lit(pattern)}, ${lit(abbrev)}, true)`).join(',\n')};

INSERT INTO patch_tags (patch_id, tag_id, count)
SELECT patch_id, tag, count(*)
FROM (
  SELECT ${commentPatch('i')} AS patch_id, ${commentTag('i')} AS tag,
         ${pick('i', 'comment-content', 1000)} AS content_kind
  FROM generate_series(1, ${comments}) AS i
) c
WHERE tag <> 0 AND content_kind >= 8
GROUP BY patch_id, tag;`,
);

section(
  `Checks: ${checks} CI results, mostly on recent patches.`,
  `
INSERT INTO checks (id, patch_id, user_id, date, state, target_url, description, context)
SELECT j, patch_id, 1 + ${pick('j', 'check-bot', CI_BOTS.length)},
       ${patchDate('patch_id')} + (30 + ${pick('j', 'check-delay', 6 * 3600)}) * interval '1 second',
       state,
       CASE WHEN ${pick('j', 'check-url', 100)} < 15 THEN NULL ELSE 'https://ci.example.org/job/' || j END,
       CASE WHEN ${pick('j', 'check-description', 100)} < 10 THEN NULL
            WHEN ${pick('j', 'check-description', 100)} < 20 THEN ''
            WHEN state = 'success' THEN 'Build and tests passed'
            WHEN state = 'warning' THEN 'checkpatch: ' || (1 + ${pick('j', 'check-warnings', 9)}) || ' warnings'
            WHEN state = 'fail' THEN 'Build failed on ' || (ARRAY['x86_64','arm64','ppc64le','riscv64','i386'])[1 + ${pick('j', 'check-arch', 5)}]
            ELSE 'Queued' END,
       ${choose(checkContexts, 'j', 'check-context')}
FROM (
  SELECT j, ${patches} - floor(${patches} * power(${unit('j', 'check-patch')}, 2))::int AS patch_id,
         (${textArray(CHECK_STATES)})[${weighted(CHECK_STATE_WEIGHTS, 'j', 'check-state')}] AS state
  FROM generate_series(1, ${checks}) AS j
  OFFSET 0
) c;`,
);

section(
  `Events: ${events} entries of the event log, on recent patches.`,
  `
INSERT INTO events (id, category, project_id, date, actor_id, patch_id, series_id, previous_state_id, current_state_id)
SELECT e, category, p.project_id, p.date + ${pick('e', 'event-delay', 30 * 86400)} * interval '1 second',
       CASE WHEN category IN ('patch-state-changed', 'patch-delegated') THEN ${CI_BOTS.length + 1} + ${pick('e', 'event-actor', Math.min(200, users - CI_BOTS.length))}
            WHEN category = 'check-created' THEN 1 + ${pick('e', 'event-bot', CI_BOTS.length)} END,
       p.id, p.series_id,
       CASE WHEN category = 'patch-state-changed' THEN 1 END,
       CASE WHEN category = 'patch-state-changed' THEN p.state_id END
FROM (
  SELECT e, ${patches} - floor(${patches} * power(${unit('e', 'event-patch')}, 1.5))::int AS patch_id,
         (${textArray(EVENT_CATEGORIES)})[${weighted(EVENT_WEIGHTS, 'e', 'event-category')}] AS category
  FROM generate_series(1, ${events}) AS e
) ev
JOIN patches p ON p.id = ev.patch_id;`,
);

section(
  `Bundles: ${bundles} users' patch lists, 1..60 patches each.`,
  `
INSERT INTO bundles (id, owner_id, project_id, name, public)
SELECT b, ${CI_BOTS.length} + b, ${projectIdOf('b')},
       (ARRAY['review-queue','to-backport','stable-candidates','my-series','regressions','v6.8-fixes'])[1 + ${pick('b', 'bundle-name', 6)}],
       ${pick('b', 'bundle-public', 3)} = 0
FROM generate_series(1, ${bundles}) AS b;

INSERT INTO bundle_patches (bundle_id, patch_id, "order")
SELECT b, 1 + ${pick('b * 1000 + k', 'bundle-patch', patches)}, k
FROM generate_series(1, ${bundles}) AS b, generate_series(1, 1 + ${pick('b', 'bundle-size', 60)}) AS k
ON CONFLICT DO NOTHING;`,
);

section(
  'Sequences continue after the generated ids; the helpers go away.',
  `
SELECT setval(pg_get_serial_sequence(t, 'id'), m)
FROM (VALUES ('users', (SELECT max(id) FROM users)), ('projects', (SELECT max(id) FROM projects)),
             ('people', (SELECT max(id) FROM people)), ('states', (SELECT max(id) FROM states)),
             ('series', (SELECT max(id) FROM series)), ('patches', (SELECT max(id) FROM patches)),
             ('comments', (SELECT max(id) FROM comments)), ('checks', (SELECT max(id) FROM checks)),
             ('tags', (SELECT max(id) FROM tags)), ('events', (SELECT max(id) FROM events)),
             ('bundles', (SELECT max(id) FROM bundles))) AS v(t, m);
DROP FUNCTION ${helperNames.map((n) => `pg_temp.${n}`).join(', ')};
RESET session_replication_role;`,
);

const header = `-- Patchwork-shaped dataset for rehearse, at migration version 0004.
-- Generated by examples/patchwork/generate-seed.ts --patches ${patches}; do not edit by hand.
-- Every row is computed server-side from its row number through hashint8extended(n, salt),
-- so the data is identical on every run and every engine (PostgreSQL >= 11, PGlite).
-- Rows: projects ${projects}, users ${users}, people ${people}, series ~${Math.round(patches / SERIES_MEAN)},
--       patches ${patches}, comments ${comments}, checks ${checks}, events <= ${events}, bundles ${bundles}.
`;

writeFileSync(out, `${header}\n${sections.join('\n')}`);
process.stderr.write(`wrote ${out} (${patches} patches)\n`);
