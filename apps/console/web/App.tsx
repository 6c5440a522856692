import { useEffect, useRef } from 'react';
import { Admin, AppBar, CustomRoutes, Logout, Resource, defaultTheme, Layout, Menu, Sidebar, UserMenu, useGetIdentity, useSidebarState, type LayoutProps, type SidebarProps } from 'react-admin';
import { useMediaQuery, type Theme } from '@mui/material';
import { Route } from 'react-router-dom';
import PersonSearchIcon from '@mui/icons-material/PersonSearch';
import PriceChangeIcon from '@mui/icons-material/PriceChange';
import WebhookIcon from '@mui/icons-material/Webhook';
import HubIcon from '@mui/icons-material/Hub';
import KeyIcon from '@mui/icons-material/Key';
import InsightsIcon from '@mui/icons-material/Insights';
import PaymentsIcon from '@mui/icons-material/Payments';
import ReportProblemIcon from '@mui/icons-material/ReportProblem';
import VolunteerActivismIcon from '@mui/icons-material/VolunteerActivism';
import RedeemIcon from '@mui/icons-material/Redeem';
import CardGiftcardIcon from '@mui/icons-material/CardGiftcard';
import EcoIcon from '@mui/icons-material/Park';
import TuneIcon from '@mui/icons-material/Tune';
import HistoryIcon from '@mui/icons-material/History';
import { authProvider } from './authProvider';
import { dataProvider } from './dataProvider';
import { LoginPage } from './LoginPage';
import { Dashboard } from './pages/Dashboard';
import { ResidentsPage } from './pages/Residents';
import { RatesPage } from './pages/Rates';
import { EndpointList, EndpointShow, EndpointCreate } from './pages/Endpoints';
import { ExternalServiceList } from './pages/ExternalServices';
import { ApiKeyList, ApiKeyCreate } from './pages/ApiKeys';
import { ProgrammePage } from './pages/Programme';
import { WithdrawalList, WithdrawalShow } from './pages/Withdrawals';
import { ExceptionsPage } from './pages/Exceptions';
import { ImpactFactorsPage } from './pages/ImpactFactors';
import { WithdrawalLimitsPage } from './pages/WithdrawalLimits';
import { IssuedRewardsPage, RewardCreate, RewardEdit, RewardList, RewardShow } from './pages/Rewards';
import { CampaignCreate, CampaignEdit, CampaignList, CampaignShow } from './pages/Campaigns';
import { AuditLogList } from './pages/AuditLog';

const theme = {
  ...defaultTheme,
  palette: { ...defaultTheme.palette, primary: { main: '#1b5e20' }, secondary: { main: '#1b5e20' } },
  typography: { ...defaultTheme.typography, fontFamily: 'Roboto, "Helvetica Neue", Arial, sans-serif' },
};

function ConsoleMenu() {
  return (
    <Menu>
      <Menu.DashboardItem />
      <Menu.Item to="/withdrawals" primaryText="Withdrawals" leftIcon={<PaymentsIcon />} />
      <Menu.Item to="/withdrawal-limits" primaryText="Withdrawal limits" leftIcon={<TuneIcon />} />
      <Menu.Item to="/exceptions" primaryText="Exceptions" leftIcon={<ReportProblemIcon />} />
      <Menu.Item to="/campaigns" primaryText="Campaigns" leftIcon={<VolunteerActivismIcon />} />
      <Menu.Item to="/rewards" primaryText="Rewards" leftIcon={<RedeemIcon />} />
      <Menu.Item to="/issued-rewards" primaryText="Issued rewards" leftIcon={<CardGiftcardIcon />} />
      <Menu.Item to="/residents" primaryText="Residents" leftIcon={<PersonSearchIcon />} />
      <Menu.Item to="/rates" primaryText="Rate card & tiers" leftIcon={<PriceChangeIcon />} />
      <Menu.Item to="/webhook-endpoints" primaryText="Webhook endpoints" leftIcon={<WebhookIcon />} />
      <Menu.Item to="/external-services" primaryText="External services" leftIcon={<HubIcon />} />
      <Menu.Item to="/api-keys" primaryText="API keys" leftIcon={<KeyIcon />} />
      <Menu.Item to="/impact-factors" primaryText="Impact factors" leftIcon={<EcoIcon />} />
      <Menu.Item to="/programme" primaryText="Programme" leftIcon={<InsightsIcon />} />
      <Menu.Item to="/audit-log" primaryText="Audit log" leftIcon={<HistoryIcon />} />
    </Menu>
  );
}

/** The user menu's button is named by what it shows (who is signed in), so its label matches its text. */
function ConsoleUserMenu() {
  const { identity } = useGetIdentity();
  return (
    <UserMenu label={identity?.fullName ?? 'Profile'}>
      <Logout />
    </UserMenu>
  );
}

/**
 * The sidebar's open state is one stored flag for both layouts: open on a desktop (the docked menu)
 * meant, once the window shrank to a phone's width, a temporary drawer opened with it, whose modal
 * layer covered the page and took the first click on the header's menu button (which only closed
 * it). On a phone the drawer starts closed; back on a desktop the docked menu opens again.
 */
function PhoneDrawerClosed() {
  const phone = useMediaQuery<Theme>((t) => t.breakpoints.down('sm'));
  const [, setOpen] = useSidebarState();
  const was = useRef<boolean | null>(null);
  useEffect(() => {
    if (phone) setOpen(false);
    else if (was.current === true) setOpen(true);
    was.current = phone;
  }, [phone, setOpen]);
  return null;
}

function ConsoleAppBar() {
  return (
    <>
      <PhoneDrawerClosed />
      <AppBar userMenu={<ConsoleUserMenu />} />
    </>
  );
}

/** On a phone the menu is a modal drawer: its dialog is named. */
function ConsoleSidebar(props: SidebarProps) {
  return <Sidebar {...props} slotProps={{ paper: { 'aria-label': 'Menu' } }} />;
}

function ConsoleLayout(props: LayoutProps) {
  // The content may shrink below its widest table (which then scrolls inside its card): no page
  // scrolls sideways on a 375 px phone.
  return <Layout {...props} menu={ConsoleMenu} appBar={ConsoleAppBar} sidebar={ConsoleSidebar} sx={{ '& .RaLayout-content': { minWidth: 0 } }} />;
}

export function App() {
  return (
    <Admin title="WozaMali console" dataProvider={dataProvider} authProvider={authProvider} loginPage={LoginPage} dashboard={Dashboard} layout={ConsoleLayout} theme={theme} requireAuth disableTelemetry>
      <Resource name="withdrawals" options={{ label: 'Withdrawals' }} list={WithdrawalList} show={WithdrawalShow} />
      <Resource name="campaigns" options={{ label: 'Campaigns' }} list={CampaignList} show={CampaignShow} create={CampaignCreate} edit={CampaignEdit} recordRepresentation="name" />
      <Resource name="donations" />
      <Resource name="rewards" options={{ label: 'Rewards' }} list={RewardList} show={RewardShow} create={RewardCreate} edit={RewardEdit} recordRepresentation="name" />
      <Resource name="webhook-endpoints" options={{ label: 'Webhook endpoints' }} list={EndpointList} show={EndpointShow} create={EndpointCreate} recordRepresentation="url" />
      <Resource name="external-services" options={{ label: 'External services' }} list={ExternalServiceList} />
      <Resource name="api-keys" options={{ label: 'API keys' }} list={ApiKeyList} create={ApiKeyCreate} recordRepresentation="name" />
      <Resource name="audit-log" options={{ label: 'Audit log' }} list={AuditLogList} />
      <Resource name="deliveries" />
      <Resource name="transactions" />
      <Resource name="user-rewards" />
      <Resource name="user-donations" />
      <Resource name="user-withdrawals" />
      <Resource name="disbursements" />
      <CustomRoutes>
        <Route path="/residents" element={<ResidentsPage />} />
        <Route path="/residents/:userId" element={<ResidentsPage />} />
        <Route path="/rates" element={<RatesPage />} />
        <Route path="/exceptions" element={<ExceptionsPage />} />
        <Route path="/issued-rewards" element={<IssuedRewardsPage />} />
        <Route path="/issued-rewards/:userId" element={<IssuedRewardsPage />} />
        <Route path="/programme" element={<ProgrammePage />} />
        <Route path="/impact-factors" element={<ImpactFactorsPage />} />
        <Route path="/withdrawal-limits" element={<WithdrawalLimitsPage />} />
      </CustomRoutes>
    </Admin>
  );
}
