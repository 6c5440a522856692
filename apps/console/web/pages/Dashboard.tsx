import { Card, CardContent, Typography, List, ListItem, Link } from '@mui/material';
import { Title } from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';

const AREAS: [string, string, string][] = [
  ['/withdrawals', 'Withdrawals', 'the queue: approve or reject with a note (two admins from the threshold), payouts in review'],
  ['/exceptions', 'Exceptions', 'withdrawals in review or in doubt, reconciliation mismatches, dead webhook deliveries'],
  ['/campaigns', 'Campaigns', 'donation campaigns: create, edit, progress, cancel; refund a donation'],
  ['/rewards', 'Rewards', 'the catalogue: add, edit, stock changes and their movements'],
  ['/issued-rewards', 'Issued rewards', 'a resident’s rewards; cancel one with a reason'],
  ['/residents', 'Residents', 'look a resident up by id: wallet, transactions, tier, metrics; adjustments and reversals'],
  ['/rates', 'Rate card & tiers', 'the materials rate card in force and the tier ladder'],
  ['/webhook-endpoints', 'Webhook endpoints', 'partners’ endpoints, their deliveries; retry and recover'],
  ['/external-services', 'External services', 'registered partner services and their health'],
  ['/api-keys', 'API keys', 'create (the key is shown once), rotate and revoke'],
  ['/impact-factors', 'Impact factors', 'CO2e and water saved per kg of each material: the version in force; publish a new one'],
  ['/programme', 'Programme', 'charts of kg by material, points and money flows, impact, the leaderboard'],
];

export function Dashboard() {
  return (
    <Card component="section" aria-labelledby="dash-title" sx={{ mt: 1 }}>
      <Title title="WozaMali console" />
      <CardContent>
        <Typography id="dash-title" component="h1" variant="h5" gutterBottom>Welcome to the WozaMali console</Typography>
        <Typography variant="body1">Money is shown in rands (R 1 234,50) and times in South African time (SAST).</Typography>
        <List>
          {AREAS.map(([to, label, text]) => (
            <ListItem key={to} disableGutters>
              <Typography variant="body1"><Link component={RouterLink} to={to}>{label}</Link>: {text}</Typography>
            </ListItem>
          ))}
        </List>
      </CardContent>
    </Card>
  );
}
