import { PGlite } from '@electric-sql/pglite';
const db = new PGlite();
const q = async (s) => (await db.query(s)).rows;
console.log(await q("select version(), current_setting('wal_level') wl, current_setting('track_counts') tc, current_setting('max_locks_per_transaction') ml"));
await db.exec("create table t(id int primary key, a text); insert into t select g, 'x'||g from generate_series(1,100000) g;");
let t0=Date.now();
console.log(await q("select pg_current_wal_lsn()"));
await db.exec("begin");
await db.exec("update t set a = a || 'y' where id < 5000; create index on t(a);");
console.log(await q("select relname, n_tup_ins, n_tup_upd, n_tup_del, seq_tup_read from pg_stat_xact_user_tables"));
console.log(await q("select l.mode, c.relname from pg_locks l join pg_class c on c.oid=l.relation where l.pid=pg_backend_pid()"));
await db.exec("commit");
console.log(await q("select pg_stat_force_next_flush()"));
console.log(await q("select pg_stat_clear_snapshot()"));
console.log(await q("select relname, n_tup_ins, n_tup_upd, n_tup_del from pg_stat_user_tables"));
console.log(await q("select pg_current_wal_lsn()"));
console.log(await q("select count(*), sum(('x'||substr(md5(t::text),1,16))::bit(64)::bigint::numeric) from t"), Date.now()-t0);
t0=Date.now(); const c = await db.clone(); console.log('clone ms', Date.now()-t0, (await c.query('select count(*) from t')).rows);
try { await db.exec("set statement_timeout='200ms'; select pg_sleep(2)"); console.log('no timeout') } catch(e) { console.log('timeout err', e.code, e.message) }
