# Sourced by the scripts: the services and the ports they listen on (PORT for each process).
SERVICES=(payout-sandbox wallet-service rewards-service donations-service withdrawals-service metrics-service webhook-dispatcher api-gateway)
declare -A SERVICE_PORT=(
  [wallet-service]="${WALLET_PORT:-3001}"
  [rewards-service]="${REWARDS_PORT:-3002}"
  [donations-service]="${DONATIONS_PORT:-3003}"
  [withdrawals-service]="${WITHDRAWALS_PORT:-3004}"
  [metrics-service]="${METRICS_PORT:-3005}"
  [webhook-dispatcher]="${WEBHOOKS_PORT:-3006}"
  [api-gateway]="${GATEWAY_PORT:-8080}"
  [payout-sandbox]="${PAYOUT_SANDBOX_PORT:-3007}"
)
