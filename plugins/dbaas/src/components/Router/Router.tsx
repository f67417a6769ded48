import { Route, Routes } from 'react-router-dom';
import { DatabasesPage } from '../DatabasesPage';
import { InstancePage } from '../InstancePage';

/** The plugin's pages: the list at its root, one instance at /instances/:id. */
export const Router = () => (
  <Routes>
    <Route path="/" element={<DatabasesPage />} />
    <Route path="/instances/:id" element={<InstancePage />} />
  </Routes>
);
