// Every workflow the training worker serves (its bundle's entry point).
export { trainingWorkflow } from './training';
export { promotionWorkflow } from './promotion';
