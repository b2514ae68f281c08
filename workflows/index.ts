// Every workflow the pipeline worker serves (the bundle's entry point).
export { patientTimelineWorkflow } from './patientTimeline';
export { timepointWorkflow } from './timepoint';
export { pacsIntakeWorkflow } from './intake';
