import { Injectable, Logger } from '@nestjs/common';
import { SecretBox } from '@wozamali/platform';
import { WithdrawalRepository } from '../repositories/withdrawal.repository';

const PAGE = 500;

/**
 * Moves every stored destination onto the current `WITHDRAWAL_DESTINATION_KEY` (runs at boot, a page
 * at a time, each swap conditional on the ciphertext read): the rotation of the dispatcher's
 * endpoint secrets, with the same shared `SecretBox`.
 */
@Injectable()
export class DestinationReseal {
  private readonly logger = new Logger('DestinationReseal');

  constructor(private readonly repo: WithdrawalRepository, private readonly box: SecretBox) {}

  async run(): Promise<{ checked: number; resealed: number; unreadable: number }> {
    const report = { checked: 0, resealed: 0, unreadable: 0 };
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await this.repo.ciphertextsAfter(after, PAGE);
      for (const row of page) {
        report.checked += 1;
        if (!this.box.isStale(row.destination_ciphertext)) continue;
        let plaintext: string;
        try {
          plaintext = this.box.open(row.destination_ciphertext, row.id);
        } catch {
          report.unreadable += 1;
          this.logger.error(`withdrawal ${row.id}: its destination is sealed with a key this process does not have`);
          continue;
        }
        if (await this.repo.replaceCiphertext(row.id, row.destination_ciphertext, this.box.seal(plaintext, row.id))) report.resealed += 1;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
    }
    if (report.resealed > 0 || report.unreadable > 0) this.logger.log(`re-sealed ${report.resealed} of ${report.checked} destinations with key ${this.box.currentKeyId}; ${report.unreadable} unreadable`);
    return report;
  }
}
