import { Topics } from '@wozamali/contracts';
import { AclOperationTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { serviceAcls, SERVICE_KAFKA_ACCESS } from './kafka';

/** `operation topic` for each topic ACL of a service, sorted. */
function topicGrants(service: string): string[] {
  return serviceAcls(service, { groupPrefixes: ['wozamali'] })
    .filter((a) => a.resourceType === AclResourceTypes.TOPIC && a.operation !== AclOperationTypes.DESCRIBE)
    .map((a) => `${a.operation === AclOperationTypes.WRITE ? 'write' : 'read'} ${a.resourceName}`)
    .sort();
}

describe('the Kafka ACLs of each service', () => {
  it('let the wallet-service write its own topic only, and read nothing', () => {
    expect(topicGrants('wallet-service')).toEqual([`write ${Topics.wallet}`]);
  });

  it('let no service but the wallet-service write the wallet topic', () => {
    const writers = Object.keys(SERVICE_KAFKA_ACCESS).filter((s) => topicGrants(s).includes(`write ${Topics.wallet}`));
    expect(writers).toEqual(['wallet-service']);
  });

  it("grant the dispatcher's dead-letter replays Write on the event topics only where replays are switched on", () => {
    const writes = (replays: boolean) => serviceAcls('webhook-dispatcher', { groupPrefixes: ['wozamali'], replays })
      .filter((a) => a.resourceType === AclResourceTypes.TOPIC && a.operation === AclOperationTypes.WRITE).map((a) => a.resourceName);
    expect(writes(false)).not.toContain(Topics.wallet);
    expect(writes(true)).toEqual(expect.arrayContaining(Object.values(Topics)));
    for (const other of Object.keys(SERVICE_KAFKA_ACCESS).filter((s) => s !== 'webhook-dispatcher' && s !== 'wallet-service')) {
      expect(serviceAcls(other, { groupPrefixes: ['wozamali'], replays: true }).some((a) => a.resourceName === Topics.wallet && a.operation === AclOperationTypes.WRITE)).toBe(false);
    }
  });

  it('let the api-gateway read the wallet topic in its own groups and write nothing', () => {
    const acls = serviceAcls('api-gateway', { groupPrefixes: ['wozamali'] });
    expect(topicGrants('api-gateway')).toEqual([`read ${Topics.wallet}`]);
    expect(acls.filter((a) => a.resourceType === AclResourceTypes.GROUP).map((a) => [a.resourceName, a.resourcePatternType])).toEqual([['wozamali.api-gateway', ResourcePatternTypes.PREFIXED]]);
    expect(acls.some((a) => a.resourceType === AclResourceTypes.CLUSTER)).toBe(false);
  });

  it('let the webhook-dispatcher read every topic and its dead letters, and write the dead-letter topics and its own topic', () => {
    const all = Object.values(Topics);
    expect(topicGrants('webhook-dispatcher')).toEqual([...all.map((t) => `read ${t}`), ...all.map((t) => `read ${t}.dlq`), ...all.map((t) => `write ${t}.dlq`), `write ${Topics.webhooks}`].sort());
  });

  it('let no other service read a dead-letter topic', () => {
    const readers = Object.keys(SERVICE_KAFKA_ACCESS).filter((s) => topicGrants(s).some((g) => g.startsWith('read ') && g.endsWith('.dlq')));
    expect(readers).toEqual(['webhook-dispatcher']);
  });

  it('grant any consumer group only when asked (test runs)', () => {
    const groups = (anyGroup: boolean) => serviceAcls('metrics-service', { groupPrefixes: ['p1', 'p2'], anyGroup }).filter((a) => a.resourceType === AclResourceTypes.GROUP).map((a) => a.resourceName);
    expect(groups(false)).toEqual(['p1.metrics-service', 'p2.metrics-service']);
    expect(groups(true)).toEqual(['*', 'p1.metrics-service', 'p2.metrics-service']);
  });
});
