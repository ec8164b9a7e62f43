// trackingFor: one tracking per tool and engine family, with the tool's table name.
import { describe, expect, test } from 'vitest';
import { DbmateTracking, DrizzleTracking, FlywayTracking, PrismaTracking, trackingFor, type TrackedSource } from './index.ts';

describe('trackingFor', () => {
  test('the tool\'s table on each engine family (drizzle: schema drizzle on PostgreSQL)', () => {
    const tables = (source: TrackedSource) => (['postgres', 'mysql', 'sqlite'] as const).map((d) => trackingFor(source, d).table);
    expect(tables('dbmate')).toEqual(['schema_migrations', 'schema_migrations', 'schema_migrations']);
    expect(tables('flyway')).toEqual(['flyway_schema_history', 'flyway_schema_history', 'flyway_schema_history']);
    expect(tables('prisma')).toEqual(['_prisma_migrations', '_prisma_migrations', '_prisma_migrations']);
    expect(tables('drizzle')).toEqual(['drizzle.__drizzle_migrations', '__drizzle_migrations', '__drizzle_migrations']);
    expect(trackingFor('dbmate', 'mysql')).toBeInstanceOf(DbmateTracking);
    expect(trackingFor('flyway', 'mysql')).toBeInstanceOf(FlywayTracking);
    expect(trackingFor('prisma', 'mysql')).toBeInstanceOf(PrismaTracking);
    expect(trackingFor('drizzle', 'mysql')).toBeInstanceOf(DrizzleTracking);
  });

  test('the settings that rename the table', () => {
    expect(trackingFor('dbmate', 'postgres', { table: 'app_migrations' }).table).toBe('app_migrations');
    expect(trackingFor('flyway', 'sqlite', { table: 'history' }).table).toBe('history');
    expect(trackingFor('drizzle', 'postgres', { table: 'm', schema: 'meta' }).table).toBe('meta.m');
    expect(() => trackingFor('prisma', 'postgres', { table: 'other' })).toThrow(/always _prisma_migrations/);
  });

  test('an unknown tool is refused by name', () => {
    expect(() => trackingFor('knex' as TrackedSource, 'postgres')).toThrow(/no history table is known for migration tool "knex"/);
  });
});
