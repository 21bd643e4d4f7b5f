export { createAdminRouter, type AdminDeps } from './router.ts';
