// Every activity the pipeline worker serves.
export * from './enrolment';
