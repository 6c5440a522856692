import { Admin, AppBar, CustomRoutes, Logout, Resource, defaultTheme, Layout, Menu, UserMenu, useGetIdentity, type LayoutProps } from 'react-admin';
import { Route } from 'react-router-dom';
import PersonSearchIcon from '@mui/icons-material/PersonSearch';
import PriceChangeIcon from '@mui/icons-material/PriceChange';
import WebhookIcon from '@mui/icons-material/Webhook';
import HubIcon from '@mui/icons-material/Hub';
import KeyIcon from '@mui/icons-material/Key';
import InsightsIcon from '@mui/icons-material/Insights';
import PaymentsIcon from '@mui/icons-material/Payments';
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
      <Menu.Item to="/residents" primaryText="Residents" leftIcon={<PersonSearchIcon />} />
      <Menu.Item to="/rates" primaryText="Rate card & tiers" leftIcon={<PriceChangeIcon />} />
      <Menu.Item to="/webhook-endpoints" primaryText="Webhook endpoints" leftIcon={<WebhookIcon />} />
      <Menu.Item to="/external-services" primaryText="External services" leftIcon={<HubIcon />} />
      <Menu.Item to="/api-keys" primaryText="API keys" leftIcon={<KeyIcon />} />
      <Menu.Item to="/programme" primaryText="Programme" leftIcon={<InsightsIcon />} />
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

function ConsoleAppBar() {
  return <AppBar userMenu={<ConsoleUserMenu />} />;
}

function ConsoleLayout(props: LayoutProps) {
  // The content may shrink below its widest table (which then scrolls inside its card): no page
  // scrolls sideways on a 375 px phone.
  return <Layout {...props} menu={ConsoleMenu} appBar={ConsoleAppBar} sx={{ '& .RaLayout-content': { minWidth: 0 } }} />;
}

export function App() {
  return (
    <Admin title="WozaMali console" dataProvider={dataProvider} authProvider={authProvider} loginPage={LoginPage} dashboard={Dashboard} layout={ConsoleLayout} theme={theme} requireAuth disableTelemetry>
      <Resource name="withdrawals" options={{ label: 'Withdrawals' }} list={WithdrawalList} show={WithdrawalShow} />
      <Resource name="webhook-endpoints" options={{ label: 'Webhook endpoints' }} list={EndpointList} show={EndpointShow} create={EndpointCreate} recordRepresentation="url" />
      <Resource name="external-services" options={{ label: 'External services' }} list={ExternalServiceList} />
      <Resource name="api-keys" options={{ label: 'API keys' }} list={ApiKeyList} create={ApiKeyCreate} recordRepresentation="name" />
      <Resource name="deliveries" />
      <Resource name="transactions" />
      <CustomRoutes>
        <Route path="/residents" element={<ResidentsPage />} />
        <Route path="/residents/:userId" element={<ResidentsPage />} />
        <Route path="/rates" element={<RatesPage />} />
        <Route path="/programme" element={<ProgrammePage />} />
      </CustomRoutes>
    </Admin>
  );
}
