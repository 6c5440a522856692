import { useState, type FormEvent } from 'react';
import { useLogin } from 'react-admin';
import { Box, Button, Card, CardContent, FormControl, FormControlLabel, FormLabel, Radio, RadioGroup, TextField, Typography, Alert } from '@mui/material';

/** Sign in with an admin API key and its service id, or with an admin token (JWT). */
export function LoginPage() {
  const login = useLogin();
  const [kind, setKind] = useState<'api_key' | 'token'>('api_key');
  const [key, setKey] = useState('');
  const [serviceId, setServiceId] = useState('admin');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(kind === 'api_key' ? { kind, key, serviceId } : { kind, token });
    } catch (err) {
      const message = (err as Error).message || 'sign-in failed';
      setError(message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: '#eef3ee', p: 2 }}>
      <Card sx={{ width: '100%', maxWidth: 440 }}>
        <CardContent>
          <Typography component="h1" variant="h5" gutterBottom>WozaMali console</Typography>
          <Typography variant="body2" sx={{ mb: 2 }}>
            Sign in with an admin API key or an admin token. It is kept for this browser tab only.
          </Typography>
          <form onSubmit={submit} aria-label="Sign in">
            <FormControl component="fieldset" sx={{ mb: 1 }}>
              <FormLabel component="legend">Sign in with</FormLabel>
              <RadioGroup row value={kind} onChange={(e) => setKind(e.target.value as 'api_key' | 'token')} name="kind">
                <FormControlLabel value="api_key" control={<Radio />} label="An API key" />
                <FormControlLabel value="token" control={<Radio />} label="An admin token" />
              </RadioGroup>
            </FormControl>
            {kind === 'api_key' ? (
              <>
                <TextField label="API key" name="api_key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required fullWidth margin="normal" />
                <TextField label="Service ID (X-Service-ID)" name="service_id" value={serviceId} onChange={(e) => setServiceId(e.target.value)} required fullWidth margin="normal" />
              </>
            ) : (
              <TextField label="Admin token (JWT)" name="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required fullWidth margin="normal" />
            )}
            {error && <Alert severity="error" role="alert" sx={{ mt: 1 }}>{error}</Alert>}
            <Button type="submit" variant="contained" fullWidth sx={{ mt: 2 }} disabled={busy}>Sign in</Button>
          </form>
        </CardContent>
      </Card>
    </Box>
  );
}
