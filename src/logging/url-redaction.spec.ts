import { recogniseSecretsWith, redactQuery, redactUrl } from './url-redaction';

const SECRET = 'configured-secret-0123456789';

describe('redactUrl', () => {
  afterEach(() => recogniseSecretsWith(undefined));

  it('redacts secret-named parameters, in any case and with - or _', () => {
    expect(redactUrl('/a?api_key=abc&x=1')).toBe('/a?api_key=[redacted]&x=1');
    expect(redactUrl('/a?X-API-KEY=abc')).toBe('/a?X-API-KEY=[redacted]');
    expect(redactUrl('/a?x=1&token=t&key=k')).toBe('/a?x=1&token=[redacted]&key=[redacted]');
    expect(redactUrl('/a?access_token=t#frag')).toBe('/a?access_token=[redacted]');
  });

  it('redacts any parameter whose value is a configured secret (encoded or not), and nothing else', () => {
    recogniseSecretsWith((value) => value === SECRET);
    expect(redactUrl(`/a?q=${SECRET}&symbols=AAPL`)).toBe('/a?q=[redacted]&symbols=AAPL');
    expect(redactUrl(`/a?q=${encodeURIComponent(SECRET).replace('-', '%2D')}`)).toBe('/a?q=[redacted]');
    expect(redactUrl('/a?symbols=AAPL,MSFT&period=1y')).toBe('/a?symbols=AAPL,MSFT&period=1y');
  });

  it('leaves URLs without a query, empty values and bad escapes alone', () => {
    expect(redactUrl('/a')).toBe('/a');
    expect(redactUrl('/a?token=')).toBe('/a?token=');
    expect(redactUrl('/a?%E0%A4%A=1')).toBe('/a?%E0%A4%A=1');
    expect(redactUrl(undefined)).toBeUndefined();
  });

  it('redacts a parsed query object the same way, without changing the original', () => {
    const query = { api_key: 'k', period: '1y' };
    expect(redactQuery(query)).toEqual({ api_key: '[redacted]', period: '1y' });
    expect(query.api_key).toBe('k');
    expect(redactQuery({ period: '1y' })).toEqual({ period: '1y' });
  });
});
