import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseEndpointUrl, regionOfAwsHost, resolveEndpoint } from '../../../src/dynamodb/endpoint.js';

const noProfile = async () => undefined;

describe('resolveEndpoint', () => {
  it('defaults to the regional AWS endpoint', async () => {
    const r = await resolveEndpoint({ region: 'eu-west-1' }, {}, noProfile);
    expect(r.url.href).toBe('https://dynamodb.eu-west-1.amazonaws.com/');
    expect(r).toMatchObject({ region: 'eu-west-1', signingRegion: 'eu-west-1', loopback: false, custom: false });
    const cn = await resolveEndpoint({ region: 'cn-north-1' }, {}, noProfile);
    expect(cn.url.host).toBe('dynamodb.cn-north-1.amazonaws.com.cn');
  });

  it('takes the region from the flag, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile', async () => {
    const env = { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-east-2' };
    const profile = async (name: string) => (name === 'dev' ? 'ap-south-1' : 'sa-east-1');
    expect((await resolveEndpoint({ region: 'eu-north-1' }, env, profile)).region).toBe('eu-north-1');
    expect((await resolveEndpoint({}, env, profile)).region).toBe('us-west-2');
    expect((await resolveEndpoint({}, { AWS_DEFAULT_REGION: 'us-east-2' }, profile)).region).toBe('us-east-2');
    expect((await resolveEndpoint({}, {}, profile)).region).toBe('sa-east-1');
    expect((await resolveEndpoint({ profile: 'dev' }, {}, profile)).region).toBe('ap-south-1');
    const viaEnv = await resolveEndpoint({}, { AWS_PROFILE: 'dev' }, profile);
    expect(viaEnv).toMatchObject({ region: 'ap-south-1', profile: 'dev' });
  });

  it('fails with a one-line usage error when no region can be found', async () => {
    await expect(resolveEndpoint({ profile: 'p' }, {}, noProfile)).rejects.toMatchObject({
      code: 'USAGE',
      message: "no AWS region for DynamoDB: pass --region, set AWS_REGION, or set region in profile 'p' of ~/.aws/config",
    });
    await expect(resolveEndpoint({}, {}, async () => { throw new Error('EACCES'); })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('lets a loopback endpoint work with no region configured', async () => {
    const r = await resolveEndpoint({ endpoint: 'http://127.0.0.1:8000' }, {}, noProfile);
    expect(r).toMatchObject({ region: 'us-east-1', signingRegion: 'us-east-1', loopback: true, custom: true });
    expect(r.url.origin).toBe('http://127.0.0.1:8000');
    expect((await resolveEndpoint({ endpoint: 'http://localhost:8000', region: 'eu-west-3' }, {}, noProfile)).region).toBe('eu-west-3');
  });

  it('signs for the region in an AWS endpoint host name', async () => {
    const r = await resolveEndpoint({ endpoint: 'https://dynamodb.eu-central-1.amazonaws.com' }, { AWS_REGION: 'us-east-1' }, noProfile);
    expect(r).toMatchObject({ region: 'us-east-1', signingRegion: 'eu-central-1', loopback: false, custom: true });
    const inferred = await resolveEndpoint({ endpoint: 'https://dynamodb-fips.us-gov-west-1.amazonaws.com' }, {}, noProfile);
    expect(inferred.region).toBe('us-gov-west-1');
  });

  it('rejects malformed regions naming their source', async () => {
    await expect(resolveEndpoint({ region: 'Not A Region' }, {}, noProfile)).rejects.toMatchObject({
      code: 'USAGE',
      message: "--region 'Not A Region' is not an AWS region name (like us-east-1)",
    });
    await expect(resolveEndpoint({}, { AWS_REGION: 'x y' }, noProfile)).rejects.toThrow(/^AWS_REGION 'x y'/);
  });
});

describe('parseEndpointUrl', () => {
  it.each([
    ['localhost:8000', "--endpoint-url 'localhost:8000' must start with http:// or https://"],
    ['ftp://h', "--endpoint-url 'ftp://h' must start with http:// or https://"],
    ['not a url', "--endpoint-url 'not a url' is not a URL; expected e.g. http://127.0.0.1:8000 or https://dynamodb.us-east-1.amazonaws.com"],
    ['http://h:8000/?x=1', "--endpoint-url 'http://h:8000/?x=1' must not have a query string or fragment"],
    ['http://user:pw@h:8000', '--endpoint-url must not contain a user name or password'],
  ])('%s', (raw, message) => {
    let thrown: unknown;
    try {
      parseEndpointUrl(raw);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'USAGE', message });
    expect(String((thrown as Error).message)).not.toContain('\n');
  });

  it('never echoes credentials of a URL that does not parse', () => {
    expect(() => parseEndpointUrl('http://user:secret@[bad')).toThrow(/credentials hidden/);
    expect(() => parseEndpointUrl('http://user:secret@[bad')).not.toThrow(/secret/);
  });

  it('accepts http and https with a path', () => {
    expect(parseEndpointUrl('https://proxy.example.com/ddb').pathname).toBe('/ddb');
  });
});

describe('hosts', () => {
  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['10.0.0.1', 'dynamodb.us-east-1.amazonaws.com', '127.example.com']) expect(isLoopbackHost(h)).toBe(false);
  });
  it('reads the region of AWS host names only', () => {
    expect(regionOfAwsHost('dynamodb.us-east-1.amazonaws.com')).toBe('us-east-1');
    expect(regionOfAwsHost('dynamodb.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(regionOfAwsHost('dynamodb.us-east-1.example.com')).toBeUndefined();
  });
});
