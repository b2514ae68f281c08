// Default task queues of osteoflow's workers (config/ lets a deployment rename them; the Python segmentation worker
// uses the same default, osteoflow-segmentation).
export const TASK_QUEUES = {
  /** PatientTimeline and Timepoint workflows and the pipeline activities. */
  pipeline: 'osteoflow-pipeline',
  /** segmentTumour, where a study's file names no queue of its own. */
  segmentation: 'osteoflow-segmentation',
  /** Training and Promotion workflows and the model activities. */
  training: 'osteoflow-training',
} as const;
