/**
 * Issue 11, authentication fails closed: the production decision over development services, the loopback test of
 * the dev login, and the password hashes of the embedded OIDC provider — pure functions.
 */
import { isLoopbackAddress } from '../../api/auth';
import { devServicesIn, devServicesRefusal } from '../../infra/dev-services';
import { hashPassword, verifyPassword } from '../../infra/oidc-provider';

const real = {
  DATABASE_URL: 'postgres://db/elicense',
  TEMPORAL_ADDRESS: 'temporal:7233',
  TEMPORAL_TLS_CERT: '/etc/tls/c.pem',
  TEMPORAL_TLS_KEY: '/etc/tls/k.pem',
  SMTP_URL: 'smtp://mail:25',
  OIDC_ISSUER: 'https://idp.example',
};

describe('devServicesRefusal', () => {
  it('lets development run every development service', () => {
    expect(devServicesRefusal({ NODE_ENV: 'development', DEV_LOGIN: 'enabled' })).toBeUndefined();
    expect(devServicesRefusal({ DEV_LOGIN: 'enabled' })).toBeUndefined();
  });

  it('lets production start with real services only', () => {
    expect(devServicesRefusal({ NODE_ENV: 'production', ...real })).toBeUndefined();
    expect(devServicesIn(real)).toEqual([]);
  });

  it.each([
    ['DATABASE_URL', 'embedded-postgres'],
    ['TEMPORAL_ADDRESS', 'temporal-dev-server'],
    ['SMTP_URL', 'dev-smtp'],
    ['OIDC_ISSUER', 'embedded-oidc'],
  ])('refuses production without %s, naming %s and how to fix it', (variable, service) => {
    const env: NodeJS.ProcessEnv = { NODE_ENV: 'production', ...real };
    delete env[variable];
    const refusal = devServicesRefusal(env);
    expect(refusal).toContain(`- ${service}:`);
    expect(refusal).toContain(variable);
    expect(refusal).toContain(`ALLOW_DEV_SERVICES_IN_PRODUCTION=${service}`);
  });

  it('refuses a Temporal connection without TLS or API key, and the dev login', () => {
    const { TEMPORAL_TLS_CERT: _c, TEMPORAL_TLS_KEY: _k, ...plain } = real;
    expect(devServicesRefusal({ NODE_ENV: 'production', ...plain })).toContain('temporal-without-tls');
    expect(devServicesRefusal({ NODE_ENV: 'production', ...plain, TEMPORAL_API_KEY: 'k' })).toBeUndefined();
    expect(devServicesRefusal({ NODE_ENV: 'production', ...real, DEV_LOGIN: 'enabled' })).toContain(
      'dev-login',
    );
    // Only the exact word enables it.
    expect(devServicesRefusal({ NODE_ENV: 'production', ...real, DEV_LOGIN: 'disabled' })).toBeUndefined();
  });

  it('runs a development service in production only when named on purpose, each by name', () => {
    const env = { NODE_ENV: 'production', DEV_LOGIN: 'enabled' };
    const all = 'embedded-postgres,temporal-dev-server,dev-smtp,embedded-oidc,dev-login';
    expect(devServicesRefusal({ ...env, ALLOW_DEV_SERVICES_IN_PRODUCTION: all })).toBeUndefined();
    const partial = devServicesRefusal({
      ...env,
      ALLOW_DEV_SERVICES_IN_PRODUCTION: 'embedded-postgres, dev-smtp',
    });
    expect(partial).not.toContain('- embedded-postgres');
    expect(partial).toContain('- temporal-dev-server');
    expect(partial).toContain('ALLOW_DEV_SERVICES_IN_PRODUCTION=temporal-dev-server,embedded-oidc,dev-login');
  });

  it('refuses an override naming an unknown service, so that a typo is not taken for one', () => {
    expect(
      devServicesRefusal({ NODE_ENV: 'production', ...real, ALLOW_DEV_SERVICES_IN_PRODUCTION: 'dev-loign' }),
    ).toContain('unknown services: dev-loign');
  });
});

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('%s is this machine', (a) => {
    expect(isLoopbackAddress(a)).toBe(true);
  });
  it.each(['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', 'fe80::1', '128.0.0.1', '', undefined])(
    '%s is not',
    (a) => {
      expect(isLoopbackAddress(a)).toBe(false);
    },
  );
});

describe('password hashes of the embedded provider', () => {
  it('are salted scrypt hashes that verify the password and nothing else', async () => {
    const a = await hashPassword('zz-amr-clerk@2026');
    const b = await hashPassword('zz-amr-clerk@2026');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toContain('zz-amr-clerk');
    expect(a).not.toBe(b);
    expect(await verifyPassword('zz-amr-clerk@2026', a)).toBe(true);
    expect(await verifyPassword('zz-amr-clerk@2027', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
    expect(await verifyPassword('zz-amr-clerk@2026', 'plain')).toBe(false);
  });
});
