export { startStack, tcpAnswers, type Stack, type StackMember } from './stack.ts';
