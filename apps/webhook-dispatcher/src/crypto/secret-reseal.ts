import { Injectable, Logger } from '@nestjs/common';
import { SecretBox, ServiceMetrics } from '@wozamali/platform';
import { EndpointRepository } from '../repositories/endpoint.repository';

const PAGE = 500;

export interface ResealReport {
  /** Secrets that can still sign. */
  checked: number;
  /** Moved to the current key by this run. */
  resealed: number;
  /** Sealed with a key this process does not have: they can't sign until that key is given back. */
  unreadable: number;
}

/**
 * Moves every endpoint secret that can still sign onto the current `WEBHOOK_SECRET_KEY`: runs at
 * boot, a page at a time. Each swap is conditional on the ciphertext it read, so processes that
 * run it at the same time don't undo each other. When a run finds nothing left under a previous
 * key, the previous keys can be removed from the configuration.
 */
@Injectable()
export class SecretReseal {
  private readonly logger = new Logger('SecretReseal');

  /** What the last run found (for /metrics): secrets it could not open stay under an old key. */
  private last: ResealReport | null = null;

  constructor(private readonly endpoints: EndpointRepository, private readonly box: SecretBox, metrics: ServiceMetrics) {
    metrics.gauge('webhook_secrets_unreadable', 'Live endpoint secrets the last re-seal could not open (sealed with a key this process lacks)', () => this.last?.unreadable ?? 0);
  }

  async run(): Promise<ResealReport> {
    const report: ResealReport = { checked: 0, resealed: 0, unreadable: 0 };
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await this.endpoints.liveSecretsAfter(after, PAGE);
      for (const row of page) {
        report.checked += 1;
        if (!this.box.isStale(row.ciphertext)) continue;
        let plaintext: string;
        try {
          plaintext = this.box.open(row.ciphertext, row.endpoint_id);
        } catch (err) {
          report.unreadable += 1;
          this.logger.error(`endpoint ${row.endpoint_id}: secret ${row.id} can't be opened: ${(err as Error).message}`);
          continue;
        }
        if (await this.endpoints.replaceCiphertext(row.id, row.ciphertext, this.box.seal(plaintext, row.endpoint_id))) report.resealed += 1;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
    }
    this.last = report;
    if (report.resealed > 0 || report.unreadable > 0) {
      this.logger.log(`re-sealed ${report.resealed} of ${report.checked} endpoint secrets with key ${this.box.currentKeyId}; ${report.unreadable} unreadable`);
    }
    return report;
  }
}
