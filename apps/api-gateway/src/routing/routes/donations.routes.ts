import { r, type RouteRule } from '../route-rule';

/**
 * Public routes served by the donations-service. First match wins: the literal
 * `/v1/donations/campaigns…`, `/disbursements…` and `/receipts…` paths come before `{donation_id}`.
 * Campaign lists, a campaign's public donations and its top donors are for anyone signed in
 * (anonymous donors appear there only by `donor_ref`); a donor's own donations and receipts are
 * theirs; everything about money going back or out is for admins.
 */
export const DONATIONS_ROUTES: readonly RouteRule[] = [
  r('GET', '/v1/donations/campaigns', 'donations', 'campaigns', 'read', 'any_user'),
  r('POST', '/v1/donations/campaigns', 'donations', 'campaigns', 'write', 'admin'),
  r('GET', '/v1/donations/campaigns/{campaign_id}', 'donations', 'campaigns', 'read', 'any_user'),
  r('PATCH', '/v1/donations/campaigns/{campaign_id}', 'donations', 'campaigns', 'write', 'admin'),
  r('POST', '/v1/donations/campaigns/{campaign_id}/cancel', 'donations', 'campaigns', 'write', 'admin'),
  r('GET', '/v1/donations/campaigns/{campaign_id}/donations', 'donations', 'donations', 'read', 'any_user'),
  r('GET', '/v1/donations/campaigns/{campaign_id}/top-donors', 'donations', 'donations', 'read', 'any_user'),
  r('GET', '/v1/donations/campaigns/{campaign_id}/disbursements', 'donations', 'campaigns', 'disburse', 'admin'),
  r('POST', '/v1/donations/campaigns/{campaign_id}/disbursements', 'donations', 'campaigns', 'disburse', 'admin'),
  r('GET', '/v1/donations/disbursements/{disbursement_id}', 'donations', 'campaigns', 'disburse', 'admin'),
  r('POST', '/v1/donations/disbursements/{disbursement_id}/approve', 'donations', 'campaigns', 'disburse', 'admin'),
  r('POST', '/v1/donations/disbursements/{disbursement_id}/reject', 'donations', 'campaigns', 'disburse', 'admin'),
  r('POST', '/v1/donations/disbursements/{disbursement_id}/retry-payout', 'donations', 'campaigns', 'disburse', 'admin'),
  r('GET', '/v1/donations/receipts/export', 'donations', 'donations', 'read', 'admin'),
  r('GET', '/v1/donations', 'donations', 'donations', 'read', 'admin'),
  r('GET', '/v1/donations/{donation_id}', 'donations', 'donations', 'read', 'admin'),
  r('GET', '/v1/donations/{donation_id}/receipt', 'donations', 'donations', 'read', 'admin'),
  r('POST', '/v1/donations/{donation_id}/refund', 'donations', 'donations', 'refund', 'admin'),
  r('GET', '/v1/users/{user_id}/donations', 'donations', 'donations', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/donations', 'donations', 'donations', 'create', 'own'),
  r('GET', '/v1/users/{user_id}/donations/{donation_id}', 'donations', 'donations', 'read', 'own'),
  r('GET', '/v1/users/{user_id}/donations/{donation_id}/receipt', 'donations', 'donations', 'read', 'own'),
];
