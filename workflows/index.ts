// Every workflow the pipeline worker serves (the bundle's entry point).
export { enrolPatientWorkflow } from './enrolPatient';
export { patientTimelineWorkflow } from './patientTimeline';
export { timepointWorkflow } from './timepoint';
