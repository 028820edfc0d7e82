/**
 * Where requests go and which region signs them, resolved once at the edge.
 *
 * Region: `--region`, then AWS_REGION / AWS_DEFAULT_REGION, then the profile's `region` in
 * ~/.aws/config, then the region in an AWS endpoint's host name; a loopback endpoint
 * (DynamoDB Local) falls back to DEFAULTS.dynamodb.loopbackRegion so it works with no setup.
 */
import { loadSharedConfigFiles } from '@smithy/core/config';
import { DEFAULTS } from '../config/defaults.js';
import { ErrorCode, toolError } from '../errors.js';

export interface EndpointOptions {
  /** Like the AWS CLI's `--endpoint-url`: `http://127.0.0.1:8000`, `https://dynamodb.eu-west-1.amazonaws.com`. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Profile in ~/.aws/config and ~/.aws/credentials; default AWS_PROFILE, then `default`. */
  readonly profile?: string;
}

export interface ResolvedEndpoint {
  /** Origin plus path; requests POST to `url.pathname`. */
  readonly url: URL;
  readonly region: string;
  /** Region in the SigV4 scope: the endpoint's own region for an AWS host name, else `region`. */
  readonly signingRegion: string;
  /** 127.0.0.0/8, ::1 or localhost: DynamoDB Local. */
  readonly loopback: boolean;
  /** An `endpoint` was given (not the regional AWS default). */
  readonly custom: boolean;
  /** Profile used for the region lookup and the credential chain, if any was named. */
  readonly profile?: string;
}

/** Reads the `region` of a profile from the shared config files; undefined when absent. */
export type ProfileRegionLoader = (profile: string) => Promise<string | undefined>;

export const loadProfileRegion: ProfileRegionLoader = async (profile) => {
  const { configFile, credentialsFile } = await loadSharedConfigFiles();
  return configFile[profile]?.region ?? credentialsFile[profile]?.region;
};

/** Loose on purpose: DynamoDB Local accepts any region, and AWS adds new ones. */
const REGION_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const AWS_HOST_PATTERN = /^dynamodb(?:-fips)?\.([a-z0-9-]+)\.(?:api\.aws|amazonaws\.com(?:\.cn)?)$/;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** `https://dynamodb.<region>.amazonaws.com` (`.com.cn` in the China partition). */
export function defaultEndpointUrl(region: string): URL {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://dynamodb.${region}.${suffix}/`);
}

/** Parses `--endpoint-url`; throws a one-line USAGE error. Never echoes user:password@. */
export function parseEndpointUrl(raw: string): URL {
  const shown = raw.includes('@') ? '(value with credentials hidden)' : `'${raw}'`;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw toolError(ErrorCode.USAGE, `--endpoint-url ${shown} is not a URL; expected e.g. http://127.0.0.1:8000 or https://dynamodb.us-east-1.amazonaws.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw toolError(ErrorCode.USAGE, `--endpoint-url ${shown} must start with http:// or https://`);
  }
  if (url.username !== '' || url.password !== '') {
    throw toolError(ErrorCode.USAGE, '--endpoint-url must not contain a user name or password');
  }
  if (url.search !== '' || url.hash !== '') {
    throw toolError(ErrorCode.USAGE, `--endpoint-url ${shown} must not have a query string or fragment`);
  }
  return url;
}

function validRegion(value: string, source: string): string {
  if (!REGION_PATTERN.test(value)) {
    throw toolError(ErrorCode.USAGE, `${source} '${value}' is not an AWS region name (like us-east-1)`);
  }
  return value;
}

/** Region of an AWS DynamoDB host name (`dynamodb.eu-west-1.amazonaws.com` → `eu-west-1`). */
export function regionOfAwsHost(hostname: string): string | undefined {
  return AWS_HOST_PATTERN.exec(hostname.toLowerCase())?.[1];
}

export async function resolveEndpoint(
  options: EndpointOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
  profileRegion: ProfileRegionLoader = loadProfileRegion,
): Promise<ResolvedEndpoint> {
  const custom = options.endpoint !== undefined && options.endpoint.trim() !== '';
  const url = custom ? parseEndpointUrl(options.endpoint as string) : undefined;
  const profileName = options.profile ?? (env.AWS_PROFILE || undefined);
  const hostRegion = url === undefined ? undefined : regionOfAwsHost(url.hostname);
  const loopback = url !== undefined && isLoopbackHost(url.hostname);

  let region: string | undefined;
  if (options.region !== undefined && options.region !== '') region = validRegion(options.region, '--region');
  else if (env.AWS_REGION) region = validRegion(env.AWS_REGION, 'AWS_REGION');
  else if (env.AWS_DEFAULT_REGION) region = validRegion(env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION');
  else {
    const fromProfile = await profileRegion(profileName ?? 'default').catch(() => undefined);
    if (fromProfile !== undefined && fromProfile !== '') {
      region = validRegion(fromProfile, `region of profile '${profileName ?? 'default'}' in ~/.aws/config`);
    }
  }
  region ??= hostRegion ?? (loopback ? DEFAULTS.dynamodb.loopbackRegion : undefined);
  if (region === undefined) {
    throw toolError(
      ErrorCode.USAGE,
      `no AWS region for DynamoDB: pass --region, set AWS_REGION, or set region in profile '${profileName ?? 'default'}' of ~/.aws/config`,
    );
  }
  const out: ResolvedEndpoint = {
    url: url ?? defaultEndpointUrl(region),
    region,
    signingRegion: hostRegion ?? region,
    loopback,
    custom,
  };
  return profileName === undefined ? out : { ...out, profile: profileName };
}
