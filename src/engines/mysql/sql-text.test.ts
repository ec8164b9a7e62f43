import { expect, test } from 'vitest';
import { autoIncrementOf, foreignKeyClauses, quoteIdent, quoteLiteral, requalified, withoutDefiner } from './sql-text.ts';

const CREATE_TABLE = `CREATE TABLE \`ch\` (
  \`id\` int(11) NOT NULL AUTO_INCREMENT,
  \`p_id\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  KEY \`fk a\` (\`p_id\`),
  CONSTRAINT \`ch_ibfk_1\` FOREIGN KEY (\`p_code\`) REFERENCES \`p\` (\`code\`) ON UPDATE SET NULL,
  CONSTRAINT \`fk a\` FOREIGN KEY (\`p_id\`) REFERENCES \`other\`.\`p\` (\`id\`) ON DELETE CASCADE,
  CONSTRAINT \`CONSTRAINT_1\` CHECK (\`p_id\` > 0)
) ENGINE=InnoDB AUTO_INCREMENT=5000 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='AUTO_INCREMENT=1'`;

test('identifiers are backtick-quoted and literals single-quoted, refusing backslashes', () => {
  expect(quoteIdent('we`ird')).toBe('`we``ird`');
  expect(quoteLiteral(`it's {"a":1}`)).toBe(`'it''s {"a":1}'`);
  expect(() => quoteLiteral('a\\b')).toThrow(/backslash/);
});

test('foreign keys are read from SHOW CREATE TABLE, one clause per line, without the trailing comma', () => {
  expect(foreignKeyClauses(CREATE_TABLE)).toEqual([
    'CONSTRAINT `ch_ibfk_1` FOREIGN KEY (`p_code`) REFERENCES `p` (`code`) ON UPDATE SET NULL',
    'CONSTRAINT `fk a` FOREIGN KEY (`p_id`) REFERENCES `other`.`p` (`id`) ON DELETE CASCADE',
  ]);
});

test('the AUTO_INCREMENT counter is read from the table options only', () => {
  expect(autoIncrementOf(CREATE_TABLE)).toBe(5000n);
  expect(autoIncrementOf('CREATE TABLE `t` (\n  `id` int NOT NULL AUTO_INCREMENT\n) ENGINE=InnoDB')).toBeUndefined();
});

test('DEFINER clauses are dropped in every quoting style', () => {
  expect(withoutDefiner('CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 1')).toBe(
    'CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1',
  );
  expect(withoutDefiner("CREATE DEFINER='app'@'%' PROCEDURE `p`() BEGIN END")).toBe('CREATE PROCEDURE `p`() BEGIN END');
  expect(withoutDefiner('CREATE DEFINER=CURRENT_USER FUNCTION f() RETURNS int RETURN 1')).toBe('CREATE FUNCTION f() RETURNS int RETURN 1');
});

test('a view printed with its database is pointed at the copy', () => {
  expect(requalified('select `src`.`t`.`id` AS `id` from `src`.`t` where `srcx`.`a` = 1', 'src', 'dst')).toBe(
    'select `dst`.`t`.`id` AS `id` from `dst`.`t` where `srcx`.`a` = 1',
  );
});
