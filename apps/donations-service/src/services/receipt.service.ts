import { Injectable } from '@nestjs/common';
import { DonationException } from '../errors/donation.exception';
import { CampaignRepository } from '../repositories/campaign.repository';
import { DonationRepository, type Donation, type Receipt } from '../repositories/donation.repository';
import { receiptView } from './views';

/** The certification sentence of a Section 18A receipt. */
export const SECTION_18A_CERTIFICATION =
  'We certify that this donation has been received and will be used exclusively for the object of the public benefit organisation in carrying on the relevant public benefit activities, as required by section 18A of the Income Tax Act, 1962.';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const rand = (cents: number) => `R ${(cents / 100).toFixed(2)}`;

/**
 * Receipts: a money donation's numbered receipt (Section 18A fields when its campaign has a PBO
 * reference), a points-only donation's acknowledgement (never an 18A receipt), and the admin's
 * export of a tax year's receipts.
 */
@Injectable()
export class ReceiptService {
  constructor(private readonly donations: DonationRepository, private readonly campaigns: CampaignRepository) {}

  async document(donationId: string, ownerId: string | null): Promise<Record<string, unknown>> {
    const d = await this.donations.getById(donationId);
    // Someone else's donation is answered as if it did not exist.
    if (!d || (ownerId !== null && d.user_id !== ownerId) || d.status === 'pending' || d.status === 'failed') throw new DonationException('donation_not_found');
    const campaign = (await this.campaigns.getById(d.campaign_id))!;
    const receipt = d.amount > 0 ? await this.donations.receiptOf(d.id) : null;
    if (!receipt) return acknowledgement(d, campaign.name);
    const base = { type: receipt.kind, ...receiptView(receipt), campaign_name: campaign.name, points: d.points, date_received: d.donated_at!.toISOString() };
    if (receipt.kind !== 'section_18a') return base;
    return {
      ...base,
      section_18a: {
        pbo_name: receipt.pbo_name, pbo_reference: receipt.pbo_reference, date_received: d.donated_at!.toISOString().slice(0, 10),
        amount: receipt.amount, amount_in_words: null, receipt_number: receipt.number, donor_user_id: receipt.donor_user_id, certification: SECTION_18A_CERTIFICATION,
      },
    };
  }

  html(doc: Record<string, unknown>): string {
    const row = (k: string, v: string) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`;
    const rows: string[] = [];
    let title: string;
    if (doc.type === 'acknowledgement') {
      title = 'Acknowledgement of donation';
      rows.push(row('Campaign', String(doc.campaign_name)), row('Points donated', String(doc.points)), row('Date received', String(doc.date_received)));
    } else {
      const s = doc.section_18a as Record<string, unknown> | undefined;
      title = s ? 'Section 18A tax receipt' : 'Donation receipt';
      rows.push(row('Receipt number', String(doc.number)), row('Campaign', String(doc.campaign_name)), row('Amount', rand(Number(doc.amount))), row('Date received', String(doc.date_received)));
      if (s) rows.push(row('PBO name', String(s.pbo_name)), row('PBO reference number', String(s.pbo_reference)), row('Donor', String(s.donor_user_id)));
      if (doc.voided) rows.push(row('Status', `VOID (${String(doc.void_reason ?? '')})`));
    }
    const cert = doc.section_18a ? `<p class="cert">${esc(SECTION_18A_CERTIFICATION)}</p>` : '';
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>`
      + '<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}th{text-align:left;padding-right:2em}@media print{button{display:none}}</style></head>'
      + `<body><h1>${esc(title)}</h1><p>WozaMali Rewards</p><table>${rows.join('')}</table>${cert}<button onclick="print()">Print</button></body></html>`;
  }

  /** CSV of a tax year's receipts in number order, voided ones included and marked. */
  async exportCsv(taxYear: number): Promise<string> {
    const receipts = await this.donations.receiptsOfYear(taxYear);
    const cell = (v: unknown) => {
      const s = v === null || v === undefined ? '' : String(v);
      // A leading =, +, - or @ would be a formula in a spreadsheet.
      const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
      return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    };
    const header = ['receipt_number', 'tax_year', 'kind', 'issued_at', 'donation_id', 'donor_user_id', 'campaign_id', 'amount_cents', 'currency', 'pbo_name', 'pbo_reference', 'voided_at', 'void_reason'];
    const lines = receipts.map((r: Receipt) => [r.number, r.tax_year, r.kind, r.issued_at.toISOString(), r.donation_id, r.donor_user_id, r.campaign_id, r.amount, r.currency, r.pbo_name, r.pbo_reference, r.voided_at?.toISOString(), r.void_reason].map(cell).join(','));
    return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
  }
}

function acknowledgement(d: Donation, campaignName: string): Record<string, unknown> {
  return { type: 'acknowledgement', donation_id: d.id, campaign_id: d.campaign_id, campaign_name: campaignName, points: d.points, amount: d.amount, date_received: d.donated_at!.toISOString(), voided: d.status === 'refunded' };
}
