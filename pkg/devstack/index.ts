export { startStack, tcpAnswers, type Stack, type StackMember } from './stack.ts';
export { planDevStack, devBanner, DEV_TENANT, DEV_ROLES, type DevPlan, type DevPlanInput } from './plan.ts';
