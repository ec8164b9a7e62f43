import { describe, expect, it } from 'vitest';
import { looksPersonal, nameWords } from './personal.ts';

describe('nameWords', () => {
  it('cuts snake_case, camelCase, PascalCase, kebab-case and digits into lower-case words', () => {
    expect(nameWords('user_email')).toEqual(['user', 'email']);
    expect(nameWords('contactEmail2')).toEqual(['contact', 'email', '2']);
    expect(nameWords('IPAddress')).toEqual(['ip', 'address']);
    expect(nameWords('home-phone')).toEqual(['home', 'phone']);
    expect(nameWords('card_last4')).toEqual(['card', 'last', '4']);
  });
});

describe('looksPersonal', () => {
  const personal: [string, string, RegExp][] = [
    ['email', 'text', /^an email address: "email" in its name$/],
    ['e_mail', 'varchar(100)', /email address: "e_mail"/],
    ['contactEmail', 'text', /email address/],
    ['email_address', 'text', /email address: "email_address"/],
    ['mail', 'text', /email address/],
    ['name', 'text', /^a person's name: "name" in its name$/],
    ['first_name', 'text', /person's name/],
    ['lastName', 'text', /person's name/],
    ['full_name', 'text', /person's name/],
    ['display_name', 'text', /person's name/],
    ['user_name', 'text', /person's name/],
    ['username', 'citext', /person's name/],
    ['login', 'varchar(40)', /person's name/],
    ['shipping_name', 'text', /person's name/],
    ['phone', 'text', /phone number/],
    ['mobile', 'text', /phone number/],
    ['tel', 'text', /phone number/],
    ['fax', 'text', /phone number/],
    ['phone_number', 'bigint', /phone number/],
    ['address', 'text', /postal address/],
    ['billing_address_line1', 'text', /postal address/],
    ['street', 'text', /postal address/],
    ['city', 'text', /postal address/],
    ['zip', 'integer', /postal address/],
    ['postcode', 'text', /postal address/],
    ['postal_code', 'text', /postal address/],
    ['ip', 'inet', /IP or device address: "ip"/],
    ['ip_address', 'inet', /IP or device address: "ip_address"/],
    ['last_login_ip', 'inet', /IP or device address: "ip"/],
    ['remote_addr', 'text', /IP or device address: "remote_addr"/],
    ['client_ip', 'int unsigned', /IP or device address/],
    ['user_agent', 'text', /IP or device address/],
    ['token', 'text', /secret: "token"/],
    ['api_token', 'uuid', /secret/],
    ['secret', 'text', /secret/],
    ['password', 'text', /secret/],
    ['password_hash', 'text', /secret: "password"/],
    ['encrypted_password', 'bytea', /secret/],
    ['passwd', 'text', /secret/],
    ['pwd', 'text', /secret/],
    ['api_key', 'text', /secret: "api_key"/],
    ['apiKey', 'text', /secret: "api_key"/],
    ['ssn', 'text', /identity or payment number/],
    ['iban', 'varchar(34)', /identity or payment number/],
    ['card_number', 'text', /identity or payment number/],
    ['card_last4', 'char(4)', /identity or payment number/],
    ['birth_date', 'date', /birth date: "birth"/],
    ['date_of_birth', 'date', /birth date/],
    ['birthday', 'date', /birth date/],
    ['dob', 'timestamp', /birth date/],
    ['birth_year', 'smallint', /birth date/],
    ['latitude', 'double precision', /location/],
    ['gender', 'text', /personal attribute/],
  ];

  it.each(personal)('%s (%s) looks personal', (column, type, reason) => {
    expect(looksPersonal('t', column, type)).toMatch(reason);
  });

  const notPersonal: [string, string, string][] = [
    ['domain_name', 'text', 'the name of a domain, not of a person'],
    ['file_name', 'text', 'a thing named before "name"'],
    ['filename', 'text', 'one word that is not a personal word'],
    ['hostname', 'text', 'one word that is not a personal word'],
    ['table_name', 'text', 'a thing named before "name"'],
    ['company_name', 'text', 'a business, not a person'],
    ['tokenizer_config', 'jsonb', '"tokenizer" is not "token"'],
    ['token_count', 'integer', 'a secret is never an integer'],
    ['tokens_used', 'bigint', 'a secret is never an integer'],
    ['email_verified_at', 'timestamptz', 'about the email, not the email (and a timestamp)'],
    ['email_verified', 'boolean', 'a boolean'],
    ['has_phone', 'boolean', 'a boolean'],
    ['emails_sent_count', 'integer', 'a count'],
    ['phone_type', 'text', 'about the phone, not the phone'],
    ['password_changed_at', 'timestamp', 'about the password'],
    ['api_key_id', 'uuid', 'an id pointing elsewhere'],
    ['address_id', 'bigint', 'a foreign key'],
    ['name_length', 'integer', 'about the name'],
    ['shipping', 'text', '"ip" only as a whole word'],
    ['zipper', 'text', '"zip" only as a whole word'],
    ['description', 'text', 'no personal word'],
    ['created_at', 'timestamptz', 'no personal word'],
    ['mobile_app_version', 'text', 'about the app'],
    ['ip_count', 'integer', 'a count'],
    ['card_brand', 'text', 'about the card'],
    ['status', 'text', 'no personal word'],
  ];

  it.each(notPersonal)('%s (%s) does not: %s', (column, type) => {
    expect(looksPersonal('t', column, type)).toBeUndefined();
  });
});
