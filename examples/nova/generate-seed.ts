// Writes examples/nova/seed.sql: a compact MySQL/MariaDB script that fills a Nova-shaped database
// (migrated to version 0002) with production-shaped data, generated server-side.
//
//   npx tsx examples/nova/generate-seed.ts [--instances N] [--out FILE]
//
// The script is deterministic: every value is a function of a row number through CRC32() and
// MD5() of a salted string, so the same N always gives the same rows on every run and every
// MySQL/MariaDB server, and up/down/up of a migration can be compared row for row. Nothing here
// uses RAND(), UUID(), NOW() or the session's time zone (only DATETIME columns).
//
// Shape (defaults, N = instances):
//   instances N, created 2012-2024 with traffic growing over time; soft-deleted the Nova way
//     (deleted = id): three quarters of the old ones, a fifth of the recent ones;
//     config_drive as Nova stored it over the releases: '' (none), '1' (old rows), 'True', NULL;
//   block_device_mapping ~3 per instance: a root disk (from an image, or a volume for the 15 %
//     that boot from volume), swap or ephemeral disks for 30 %, 0-3 attached Cinder volumes with
//     their connection info (iSCSI or RBD, as JSON, ~0.5 KB); soft-deleted with their instance.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// 15,000 instances give ~45,000 block device mappings, the size of the dataset on which
// turbo-hipster saw a Nova migration take 20 minutes.
const DEFAULT_INSTANCES = 15_000;
const DEFAULT_OUT = fileURLToPath(new URL('./seed.sql', import.meta.url));

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  process.stdout.write('usage: npx tsx examples/nova/generate-seed.ts [--instances N] [--out FILE]\n');
  process.exit(0);
}
const instances = args.instances === undefined ? DEFAULT_INSTANCES : Number(args.instances);
if (!Number.isInteger(instances) || instances < 100 || instances > 9_000_000) {
  process.stderr.write(`--instances must be an integer between 100 and 9000000, got ${args.instances}\n`);
  process.exit(2);
}
const out = args.out === undefined ? DEFAULT_OUT : resolve(args.out);

// ---------------------------------------------------------------------------------------------
// SQL helpers: every "random" choice is a hash of a salted row key.

const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
/** 0 … n-1, a stable hash of `key` under `salt`. */
const pick = (key: string, salt: string, n: number) => `(CRC32(CONCAT(${lit(`${salt}:`)}, ${key})) % ${n})`;
/** One of `xs`, by hash. */
const choose = (xs: readonly string[], key: string, salt: string) => `ELT(1 + ${pick(key, salt, xs.length)}, ${xs.map(lit).join(', ')})`;
/** A version-4-shaped UUID made of the MD5 of a salted key. */
const uuid = (key: string, salt: string) => {
  const h = `MD5(CONCAT(${lit(`${salt}:`)}, ${key}))`;
  return `CONCAT_WS('-', SUBSTR(${h}, 1, 8), SUBSTR(${h}, 9, 4), CONCAT('4', SUBSTR(${h}, 14, 3)), CONCAT(ELT(1 + CONV(SUBSTR(${h}, 17, 1), 16, 10) % 4, '8', '9', 'a', 'b'), SUBSTR(${h}, 18, 3)), SUBSTR(${h}, 21, 12))`;
};
/** 32 hex digits, as Keystone's project and user ids. */
const hexId = (key: string, salt: string) => `MD5(CONCAT(${lit(`${salt}:`)}, ${key}))`;

// ---------------------------------------------------------------------------------------------
// Vocabulary

// name, memory_mb, vcpus, root_gb, ephemeral_gb, weight
const FLAVORS: [string, number, number, number, number, number][] = [
  ['m1.tiny', 512, 1, 1, 0, 8],
  ['m1.small', 2048, 1, 20, 0, 30],
  ['m1.medium', 4096, 2, 40, 0, 30],
  ['m1.large', 8192, 4, 80, 0, 18],
  ['m1.xlarge', 16384, 8, 160, 0, 8],
  ['c1.highcpu', 8192, 16, 40, 20, 4],
  ['r1.bigmem', 65536, 8, 80, 100, 2],
];
const VM_STATES: [string, number, number][] = [
  // vm_state, power_state, weight (live instances)
  ['active', 1, 84],
  ['stopped', 4, 8],
  ['error', 0, 3],
  ['shelved_offloaded', 4, 2],
  ['paused', 3, 1],
  ['suspended', 7, 1],
  ['resized', 1, 1],
];
const ROLES = ['web', 'app', 'db', 'worker', 'cache', 'build', 'ci-runner', 'k8s-node', 'etl', 'jump', 'vpn', 'mon'];
const ZONES = ['nova', 'az1', 'az2', 'az3'];
const KEYS = ['default', 'deploy', 'ops-2019', 'jenkins', 'laptop', 'ansible'];
const OS_TYPES = ['linux', 'linux', 'linux', 'linux', 'windows'];
const TASK_STATES = ['spawning', 'rebooting', 'image_snapshot', 'resize_migrating', 'deleting'];
const IMAGES = 60;
const PROJECTS = 800;
const HOSTS = 400;

/** 1-based index into `weights`, chosen by hash with those weights. */
function weightedIndex(weights: readonly number[], key: string, salt: string): string {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  const arms = weights.map((w, i) => `WHEN ${pick(key, salt, total)} < ${(acc += w)} THEN ${i + 1}`);
  return `CASE ${arms.join(' ')} END`;
}
const elt = (index: string, values: readonly (string | number)[]) =>
  `ELT(${index}, ${values.map((v) => (typeof v === 'number' ? String(v) : lit(v))).join(', ')})`;

// ---------------------------------------------------------------------------------------------
// The script

const sections: string[] = [];
const section = (comment: string, sql: string) => sections.push(`-- ${comment}\n${sql.trim()}\n`);

// Times: 2012-09-27 (Folsom) to 2024-06-01, traffic growing over time (ids follow creation time).
const START = '2012-09-27 00:00:00';
const SPAN_SECONDS = 366_595_200;
/** The first quarter of the instances: rows written by Grizzly-era Nova. */
const OLD = Math.round(instances * 0.25);
/** Instances up to here are "old": three quarters of them are deleted, a fifth of the later ones. */
const RECENT = Math.round(instances * 0.8);

section(
  'Row numbers for the generators below (helper tables, dropped at the end).',
  `
CREATE TABLE seed_digits (d int NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO seed_digits (d) VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
CREATE TABLE seed_numbers (n int NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO seed_numbers (n)
SELECT n FROM (
  SELECT 1 + d0.d + 10 * d1.d + 100 * d2.d + 1000 * d3.d + 10000 * d4.d + 100000 * d5.d + 1000000 * d6.d AS n
  FROM seed_digits d0, seed_digits d1, seed_digits d2, seed_digits d3, seed_digits d4, seed_digits d5, seed_digits d6
  WHERE d5.d <= ${Math.min(9, Math.floor((instances - 1) / 100_000))} AND d6.d <= ${Math.floor((instances - 1) / 1_000_000)}
) numbers
WHERE n <= ${instances};
CREATE TABLE seed_slots (slot int NOT NULL PRIMARY KEY) ENGINE=InnoDB;
INSERT INTO seed_slots (slot) VALUES (1), (2), (3), (4), (5);`,
);

const flavor = (f: number) => elt('flavor', FLAVORS.map((x) => x[f] as number));
const state = (f: number) => elt('state', VM_STATES.map((x) => x[f] as string | number));
const imageUuid = (key: string) => uuid(`(1 + ${pick(key, 'image', IMAGES)})`, 'image');

section(
  `Instances: ${instances}; the first ${OLD} written by Grizzly-era Nova ('' or '1' in config_drive), later ones '' or 'True'; soft-deleted as Nova does (deleted = id).`,
  `
INSERT INTO instances (id, uuid, created_at, updated_at, deleted_at, deleted, user_id, project_id, image_ref, key_name,
                       power_state, vm_state, task_state, memory_mb, vcpus, root_gb, ephemeral_gb, instance_type_id,
                       hostname, display_name, host, node, user_data, reservation_id, launched_at, terminated_at,
                       availability_zone, locked, os_type, root_device_name, config_drive, access_ip_v4,
                       auto_disk_config, progress, cell_name, cleaned)
SELECT n, ${uuid('n', 'instance')}, created,
       CASE WHEN gone THEN created + INTERVAL lifetime SECOND
            WHEN ${pick('n', 'updated', 3)} = 0 THEN NULL
            ELSE created + INTERVAL (300 + ${pick('n', 'updated-at', 30 * 86400)}) SECOND END,
       CASE WHEN gone THEN created + INTERVAL lifetime SECOND END,
       CASE WHEN gone THEN n ELSE 0 END,
       ${hexId(`(1 + ${pick('n', 'user', PROJECTS * 3)})`, 'user')},
       ${hexId('project', 'project')},
       CASE WHEN boots_from_volume THEN '' ELSE ${imageUuid('n')} END,
       CASE WHEN ${pick('n', 'key', 10)} < 2 THEN NULL ELSE ${choose(KEYS, 'n', 'key-name')} END,
       CASE WHEN gone THEN 0 ELSE ${state(1)} END,
       CASE WHEN gone THEN 'deleted' ELSE ${state(0)} END,
       CASE WHEN NOT gone AND ${pick('n', 'task', 200)} = 0 THEN ${choose(TASK_STATES, 'n', 'task-state')} END,
       ${flavor(1)}, ${flavor(2)},
       CASE WHEN boots_from_volume THEN 0 ELSE ${flavor(3)} END,
       ${flavor(4)},
       flavor,
       hostname, hostname,
       CASE WHEN gone OR state <> ${VM_STATES.findIndex((s) => s[0] === 'shelved_offloaded') + 1} THEN host END,
       CASE WHEN gone OR state <> ${VM_STATES.findIndex((s) => s[0] === 'shelved_offloaded') + 1} THEN host END,
       CASE WHEN ${pick('n', 'user-data', 100)} < 30 THEN TO_BASE64(CONCAT(
         '#cloud-config\\nhostname: ', hostname, '\\nmanage_etc_hosts: true\\npackage_update: true\\npackages:\\n  - ',
         ${choose(['nginx', 'postgresql', 'docker.io', 'haproxy', 'openjdk-11-jre', 'python3-pip'], 'n', 'user-data-package')},
         '\\n  - chrony\\n  - prometheus-node-exporter\\nwrite_files:\\n  - path: /etc/motd\\n    content: managed by heat stack ',
         LEFT(MD5(CONCAT('stack:', n)), 12),
         '\\nruncmd:\\n  - [ systemctl, enable, --now, prometheus-node-exporter ]\\n  - [ sh, -c, "curl -fsS https://config.example.org/bootstrap | sh" ]\\n'))
       END,
       CONCAT('r-', LEFT(MD5(CONCAT('reservation:', n)), 8)),
       CASE WHEN NOT gone AND state = ${VM_STATES.findIndex((s) => s[0] === 'error') + 1} THEN NULL
            ELSE created + INTERVAL (20 + ${pick('n', 'boot-time', 300)}) SECOND END,
       CASE WHEN gone THEN created + INTERVAL lifetime SECOND END,
       ${choose(ZONES, 'n', 'zone')},
       ${pick('n', 'locked', 50)} = 0,
       ${choose(OS_TYPES, 'n', 'os-type')},
       '/dev/vda',
       CASE WHEN ${pick('n', 'config-drive-null', 100)} < 5 THEN NULL
            WHEN n <= ${OLD} THEN CASE WHEN ${pick('n', 'config-drive', 100)} < 12 THEN '1' ELSE '' END
            ELSE CASE WHEN ${pick('n', 'config-drive', 100)} < 25 THEN 'True' ELSE '' END END,
       CASE WHEN ${pick('n', 'access-ip', 100)} < 4 THEN CONCAT('203.0.113.', 1 + ${pick('n', 'access-ip-host', 254)}) END,
       ${pick('n', 'auto-disk-config', 4)} = 0,
       CASE WHEN NOT gone AND state = ${VM_STATES.findIndex((s) => s[0] === 'error') + 1} THEN 0 ELSE 100 END,
       NULL,
       CASE WHEN gone THEN 1 ELSE 0 END
FROM (
  SELECT n,
         TIMESTAMP ${lit(START)} + INTERVAL FLOOR(${SPAN_SECONDS} * SQRT(n / ${instances})) SECOND AS created,
         ${pick('n', 'deleted', 100)} < CASE WHEN n <= ${RECENT} THEN 75 ELSE 20 END AS gone,
         3600 + ${pick('n', 'lifetime', 90 * 86400)} * CASE WHEN ${pick('n', 'lifetime-long', 10)} < 3 THEN 8 ELSE 1 END AS lifetime,
         ${pick('n', 'boot-from-volume', 100)} < 15 AS boots_from_volume,
         ${weightedIndex(FLAVORS.map((f) => f[5]), 'n', 'flavor')} AS flavor,
         ${weightedIndex(VM_STATES.map((s) => s[2]), 'n', 'vm-state')} AS state,
         FLOOR(${PROJECTS} * POW(${pick('n', 'project', 1_000_000)} / 1000000, 2.5)) AS project,
         CONCAT(${choose(ROLES, 'n', 'role')}, '-', LPAD(1 + ${pick('n', 'role-number', 40)}, 2, '0'), '.',
                ${choose(['prod', 'stage', 'dev', 'ci'], 'n', 'env')}) AS hostname,
         CONCAT('cmp', LPAD(1 + ${pick('n', 'host', HOSTS)}, 4, '0'), '.dc1.example.org') AS host
  FROM seed_numbers
) i;`,
);

// Block device mappings, per instance: slot 1 the root disk, slot 2 swap or an ephemeral disk
// (30 %), slots 3-5 attached volumes (0-3, 1.7 on average).
const hasExtra = (n: string) => `${pick(n, 'extra-disk', 10)} < 3`;
const volumes = (n: string) => elt(`1 + ${pick(n, 'volumes', 10)}`, [0, 0, 1, 1, 2, 2, 2, 3, 3, 3]);
const iscsi = `CONCAT('{"driver_volume_type": "iscsi", "data": {"target_discovered": false, "target_iqn": "iqn.2010-10.org.openstack:volume-', vol,
    '", "target_portal": "10.20.', ${pick('k', 'portal-net', 4)}, '.', 10 + ${pick('k', 'portal-host', 24)}, ':3260", "target_lun": ', 1 + ${pick('k', 'lun', 4)},
    ', "volume_id": "', vol, '", "auth_method": "CHAP", "auth_username": "', LEFT(MD5(CONCAT('chap-user:', k)), 20),
    '", "auth_password": "', LEFT(MD5(CONCAT('chap-secret:', k)), 16), '", "encrypted": false, "qos_specs": null, "access_mode": "rw"}, "serial": "', vol, '"}')`;
const rbd = `CONCAT('{"driver_volume_type": "rbd", "data": {"name": "volumes/volume-', vol,
    '", "hosts": ["10.30.0.11", "10.30.0.12", "10.30.0.13"], "ports": ["6789", "6789", "6789"], "cluster_name": "ceph", "auth_enabled": true, "auth_username": "cinder", "secret_type": "ceph", "secret_uuid": "457eb676-33da-42ec-9a8c-9293d545c337", "volume_id": "', vol,
    '", "discard": true, "qos_specs": null, "encrypted": false, "access_mode": "rw"}, "serial": "', vol, '"}')`;

section(
  'Block device mappings: root disks, swap and ephemeral disks, attached Cinder volumes (iSCSI on LVM first, then Ceph RBD), soft-deleted with their instance.',
  `
INSERT INTO block_device_mapping (id, created_at, updated_at, deleted_at, deleted, device_name, delete_on_termination,
                                  snapshot_id, volume_id, volume_size, no_device, connection_info, instance_uuid,
                                  source_type, destination_type, guest_format, device_type, disk_bus, boot_index, image_id)
SELECT id, attached, COALESCE(deleted_at, attached + INTERVAL (5 + ${pick('k', 'bdm-updated', 60)}) SECOND), deleted_at, CASE WHEN gone THEN id ELSE 0 END,
       CONCAT('/dev/vd', CHAR(96 + slot - CASE WHEN slot >= 3 AND NOT extra THEN 1 ELSE 0 END)),
       CASE WHEN slot = 1 THEN NOT (bfv AND from_volume) WHEN slot = 2 THEN 1 ELSE 0 END,
       CASE WHEN slot >= 3 AND ${pick('k', 'from-snapshot', 10)} = 0 THEN ${uuid('k', 'snapshot')} END,
       vol,
       CASE WHEN slot = 1 AND bfv THEN 20 + 10 * ${pick('k', 'root-size', 9)}
            WHEN slot = 1 THEN NULL
            WHEN slot = 2 THEN CASE WHEN ephemeral_gb > 0 THEN ephemeral_gb ELSE 1 END
            ELSE FLOOR(1 + 1000 * POW(${pick('k', 'volume-size', 1_000_000)} / 1000000, 3)) END,
       NULL,
       CASE WHEN vol IS NULL THEN NULL WHEN n <= ${OLD} OR ${pick('k', 'backend', 10)} < 4 THEN ${iscsi} ELSE ${rbd} END,
       instance_uuid,
       CASE WHEN slot = 1 AND bfv AND from_volume THEN 'volume' WHEN slot = 1 THEN 'image' WHEN slot = 2 THEN 'blank' ELSE 'volume' END,
       CASE WHEN slot = 1 AND bfv THEN 'volume' WHEN slot <= 2 THEN 'local' ELSE 'volume' END,
       CASE WHEN slot = 2 THEN CASE WHEN ephemeral_gb > 0 THEN 'ext4' ELSE 'swap' END END,
       CASE WHEN n <= ${OLD} AND slot >= 3 THEN NULL ELSE 'disk' END,
       CASE WHEN n <= ${OLD} THEN NULL ELSE 'virtio' END,
       CASE WHEN slot = 1 THEN 0 WHEN slot = 2 THEN -1 END,
       CASE WHEN slot = 1 AND NOT (bfv AND from_volume) THEN ${imageUuid('n')} END
FROM (
  SELECT ROW_NUMBER() OVER (ORDER BY i.id, s.slot) AS id, i.id AS n, s.slot, i.id * 10 + s.slot AS k,
         i.uuid AS instance_uuid, i.deleted <> 0 AS gone, i.deleted_at, i.ephemeral_gb,
         i.image_ref = '' AS bfv, ${pick('i.id', 'bfv-from-volume', 10)} < 3 AS from_volume, ${hasExtra('i.id')} AS extra,
         CASE WHEN s.slot <= 2 THEN i.created_at ELSE i.created_at + INTERVAL (60 + ${pick('i.id * 10 + s.slot', 'attach', 1800)}) SECOND END AS attached,
         CASE WHEN s.slot >= 3 OR (s.slot = 1 AND i.image_ref = '') THEN ${uuid('i.id * 10 + s.slot', 'volume')} END AS vol
  FROM instances i
  JOIN seed_slots s ON s.slot = 1 OR (s.slot = 2 AND ${hasExtra('i.id')}) OR (s.slot >= 3 AND s.slot - 2 <= ${volumes('i.id')})
) b;`,
);

section('The helpers go away.', 'DROP TABLE seed_slots, seed_numbers, seed_digits;');

const header = `-- Nova-shaped dataset for rehearse (MySQL/MariaDB), at migration version 0002.
-- Generated by examples/nova/generate-seed.ts --instances ${instances}; do not edit by hand.
-- Every value is computed server-side from its row number through CRC32() and MD5() of a salted
-- string, so the data is identical on every run and every server.
-- Rows: instances ${instances}, block_device_mapping ~${instances * 3}.
`;

writeFileSync(out, `${header}\n${sections.join('\n')}`);
process.stderr.write(`wrote ${out} (${instances} instances)\n`);
