import { addressProblem, canonicalAllowedHost, isAllowedHostItem, parseWebhookUrl, WebhookTargetPolicy, WebhookTargetRefused, WebhookTargetUnresolved, type ResolvedAddress } from './webhook-target';

/** A stub resolver: no DNS query ever leaves the process. */
function resolverOf(table: Record<string, string[]>) {
  const calls: string[] = [];
  const resolve = async (host: string): Promise<ResolvedAddress[]> => {
    calls.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, calls };
}

const TABLE = {
  'hooks.example.test': ['93.184.216.34'],
  'v6.example.test': ['2606:4700:4700::1111'],
  'internal.example.test': ['10.0.0.5'],
  'mixed.example.test': ['93.184.216.34', '127.0.0.1'],
  'ula.example.test': ['fd12:3456::1'],
  localhost: ['127.0.0.1', '::1'],
};

describe('addressProblem', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.9', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['100.64.0.1', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['169.254.10.10', 'a link-local address'],
    ['169.254.169.254', 'a cloud metadata address'],
    ['0.0.0.0', 'an unspecified address'],
    ['0.1.2.3', 'an unspecified address'],
    ['224.0.0.1', 'a multicast address'],
    ['255.255.255.255', 'a broadcast address'],
    ['240.0.0.1', 'a reserved address (reserved)'],
    ['::1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fe80::1', 'a link-local address'],
    ['fc00::1', 'a unique-local address'],
    ['fd12:3456::1', 'a unique-local address'],
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:127.0.0.1', 'a loopback address (embedded in IPv6 as 127.0.0.1)'],
    ['::ffff:7f00:1', 'a loopback address (embedded in IPv6 as 127.0.0.1)'],
    ['::ffff:10.0.0.1', 'a private address (embedded in IPv6 as 10.0.0.1)'],
    ['::ffff:a9fe:a9fe', 'a cloud metadata address (embedded in IPv6 as 169.254.169.254)'],
    ['::127.0.0.1', 'a loopback address (embedded in IPv6 as 127.0.0.1)'],
    ['::ffff:0:7f00:1', 'a loopback address (embedded in IPv6 as 127.0.0.1)'],
    ['64:ff9b::7f00:1', 'a loopback address (embedded in IPv6 as 127.0.0.1)'],
    ['64:ff9b::192.168.0.1', 'a private address (embedded in IPv6 as 192.168.0.1)'],
    ['64:ff9b:1::a00:1', 'a private address (embedded in IPv6 as 10.0.0.1)'],
    ['2002:7f00:1::1', 'a 6to4 tunnel address'],
    ['2001:db8::1', 'a reserved address (reserved)'],
  ])('refuses %s: %s', (address, problem) => {
    expect(addressProblem(address)).toBe(problem);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.216.34', '64:ff9b::808:808'])('lets the public %s through', (address) => {
    expect(addressProblem(address)).toBeUndefined();
  });
});

describe('parseWebhookUrl', () => {
  it.each([
    ['ftp://example.com/x', 'webhookUrl must be an http(s) URL'],
    ['not a url', 'webhookUrl must be an http(s) URL'],
    ['file:///etc/passwd', 'webhookUrl must be an http(s) URL'],
    ['http://user:secret@example.com/', 'webhookUrl must not carry credentials'],
    ['https://token@example.com/', 'webhookUrl must not carry credentials'],
    ['http://:pw@example.com/', 'webhookUrl must not carry credentials'],
  ])('refuses %s', (raw, problem) => {
    const parsed = parseWebhookUrl(raw);
    expect('problem' in parsed && parsed.problem).toMatch(new RegExp(`^${problem.replace(/[()]/g, '\\$&')}`));
  });

  it('canonicalises every IPv4 spelling with the WHATWG parser', () => {
    for (const spelling of ['0x7f000001', '2130706433', '0177.0.0.1', '127.1', '0x7f.0.0.1', '127.0.0.1.']) {
      const parsed = parseWebhookUrl(`http://${spelling}/`);
      expect('url' in parsed && parsed.url.hostname.replace(/\.$/, '')).toBe('127.0.0.1');
    }
    const mapped = parseWebhookUrl('http://[::ffff:127.0.0.1]/');
    expect('url' in mapped && mapped.url.hostname).toBe('[::ffff:7f00:1]');
  });
});

describe('WebhookTargetPolicy', () => {
  const open = { httpsOnly: false, allowedHosts: [] };

  it.each([
    ['http://127.0.0.1/hook', 'a loopback address (127.0.0.1)'],
    ['http://0x7f000001/hook', 'a loopback address (127.0.0.1)'],
    ['http://2130706433/hook', 'a loopback address (127.0.0.1)'],
    ['http://0177.0.0.1/hook', 'a loopback address (127.0.0.1)'],
    ['http://127.1/hook', 'a loopback address (127.0.0.1)'],
    ['http://[::1]/hook', 'a loopback address (::1)'],
    ['http://[::ffff:127.0.0.1]/hook', 'a loopback address (embedded in IPv6 as 127.0.0.1) (::ffff:7f00:1)'],
    ['http://[::ffff:7f00:1]/hook', 'a loopback address (embedded in IPv6 as 127.0.0.1) (::ffff:7f00:1)'],
    ['http://[64:ff9b::7f00:1]/hook', 'a loopback address (embedded in IPv6 as 127.0.0.1) (64:ff9b::7f00:1)'],
    ['http://0.0.0.0/hook', 'an unspecified address (0.0.0.0)'],
    ['http://[::]/hook', 'an unspecified address (::)'],
    ['http://169.254.169.254/latest/meta-data/', 'a cloud metadata address (169.254.169.254)'],
    ['http://[fd00:ec2::254]/', 'a cloud metadata address (fd00:ec2::254)'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'a cloud metadata service (metadata.google.internal)'],
    ['http://METADATA.google.internal./x', 'a cloud metadata service (metadata.google.internal)'],
    ['http://localhost:3000/api/v1/admin/cache/keys', 'a loopback address (localhost resolves to one)'],
    ['http://internal.example.test/', 'a private address (internal.example.test resolves to one)'],
    ['http://mixed.example.test/', 'a loopback address (mixed.example.test resolves to one)'],
    ['http://ula.example.test/', 'a unique-local address (ula.example.test resolves to one)'],
  ])('refuses %s', async (url, problem) => {
    const { resolve } = resolverOf(TABLE);
    await expect(new WebhookTargetPolicy(open, resolve).check(url)).rejects.toThrow(new WebhookTargetRefused(`webhookUrl must not point to ${problem}`));
  });

  it('never resolves an IP literal, and pins the checked address of a name', async () => {
    const { resolve, calls } = resolverOf(TABLE);
    const policy = new WebhookTargetPolicy(open, resolve);
    await expect(policy.check('http://10.0.0.1/')).rejects.toThrow(WebhookTargetRefused);
    expect(calls).toEqual([]);
    expect(await policy.check('https://hooks.example.test:8443/a?b=c')).toMatchObject({ hostname: 'hooks.example.test', address: '93.184.216.34', family: 4, allowed: false });
    expect(await policy.check('https://v6.example.test/')).toMatchObject({ address: '2606:4700:4700::1111', family: 6 });
    expect(calls).toEqual(['hooks.example.test', 'v6.example.test']);
  });

  it('names a host that does not resolve', async () => {
    const { resolve } = resolverOf(TABLE);
    await expect(new WebhookTargetPolicy(open, resolve).check('http://nowhere.example.test/')).rejects.toThrow(new WebhookTargetUnresolved('webhookUrl host nowhere.example.test does not resolve (ENOTFOUND)'));
  });

  it('in production: https only, unless the host is allowed', async () => {
    const { resolve } = resolverOf(TABLE);
    const policy = new WebhookTargetPolicy({ httpsOnly: true, allowedHosts: ['internal.example.test'] }, resolve);
    await expect(policy.check('http://hooks.example.test/')).rejects.toThrow('webhookUrl must use https');
    expect(await policy.check('https://hooks.example.test/')).toMatchObject({ address: '93.184.216.34' });
    expect(await policy.check('http://internal.example.test/')).toMatchObject({ address: '10.0.0.5', allowed: true });
  });

  it('an allowed host skips the private-address refusal (in any spelling), never the metadata one', async () => {
    const { resolve } = resolverOf({ ...TABLE, 'meta.example.test': ['169.254.169.254'] });
    const policy = new WebhookTargetPolicy({ httpsOnly: false, allowedHosts: ['0x7f000001', 'localhost', 'meta.example.test', '::1'] }, resolve);
    expect(await policy.check('http://127.0.0.1:9/hook')).toMatchObject({ address: '127.0.0.1', allowed: true });
    expect(await policy.check('http://localhost:9/hook')).toMatchObject({ address: '127.0.0.1', allowed: true });
    expect(await policy.check('http://[::1]:9/hook')).toMatchObject({ address: '::1', family: 6, allowed: true });
    await expect(policy.check('http://127.0.0.2/')).rejects.toThrow('loopback');
    await expect(policy.check('http://meta.example.test/')).rejects.toThrow('webhookUrl must not point to a cloud metadata address (meta.example.test resolves to one)');
  });

  it('ALERTS_WEBHOOK_ALLOWED_HOSTS items: bare hosts only, canonicalised', () => {
    expect(['hooks.internal', '127.0.0.1', '::1', '[::1]', 'localhost', 'a-b.example.com'].every(isAllowedHostItem)).toBe(true);
    expect(['http://x', 'x:80', 'x/y', 'user@x', '', 'a b'].some(isAllowedHostItem)).toBe(false);
    expect(['0x7f000001', '[::1]', '::1', 'LocalHost.'].map(canonicalAllowedHost)).toEqual(['127.0.0.1', '::1', '::1', 'localhost']);
  });
});
