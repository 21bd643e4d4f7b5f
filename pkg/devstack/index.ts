export { startStack, tcpAnswers, type Stack, type StackMember } from './stack.ts';
export { planDevStack, devBanner, type DevPlan, type DevPlanInput } from './plan.ts';
