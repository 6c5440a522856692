import { Box } from '@mui/material';

/** Text that keeps a readable width on a phone (its table scrolls sideways in its region instead of breaking every few letters). */
export const Wide = ({ children, min }: { children: string; min: number }) => (
  <Box component="span" sx={{ display: 'inline-block', minWidth: { xs: min, md: 0 }, overflowWrap: 'anywhere' }}>{children}</Box>
);
