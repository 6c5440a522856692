import { CreateButton, ExportButton, TopToolbar, useResourceDefinition } from 'react-admin';

/**
 * The lists' toolbar: react-admin's default (create when the resource has a form, export), with the
 * export button named even while disabled. On a phone react-admin draws a disabled button as a bare
 * icon and drops its label (an empty list disables export), which axe reports as a critical
 * "button-name" failure at 375 px.
 */
export function ListActions() {
  const { hasCreate } = useResourceDefinition();
  return (
    <TopToolbar>
      {hasCreate ? <CreateButton /> : null}
      <ExportButton aria-label="Export" />
    </TopToolbar>
  );
}
