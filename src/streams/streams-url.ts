/**
 * Where DynamoDB Streams calls go, for both clients. Apart from client.ts so that the lean path
 * (lean-client.ts, loaded in every monitor worker) does not load the SDK's streams client.
 */
import { regionOfAwsHost, type ResolvedEndpoint } from '../dynamodb/endpoint.js';

/**
 * Where stream calls go. AWS serves streams on their own host (`streams.dynamodb.<region>…`):
 * the regional DynamoDB host, named by `--endpoint-url` or the default for the region, is mapped
 * to it, since the table calls and the stream calls share that one flag. Any other custom
 * endpoint (DynamoDB Local, a proxy, a fixture) serves both APIs on one origin and is used as given.
 */
export function streamsUrl(endpoint: ResolvedEndpoint): URL {
  if (endpoint.custom && regionOfAwsHost(endpoint.url.hostname) === undefined) return endpoint.url;
  const url = new URL(endpoint.url.href);
  url.hostname = `streams.${url.hostname.toLowerCase()}`;
  return url;
}

/** streamsUrl for the SDK client: undefined for no custom endpoint (the SDK's regional default is already the streams host). */
export function streamsEndpointUrl(endpoint: ResolvedEndpoint): string | undefined {
  return endpoint.custom ? streamsUrl(endpoint).href : undefined;
}
