// Typed search attributes of osteoflow's workflows: declared once here, registered by ops/ when the dev server starts,
// and set with upsertSearchAttributes in the workflows. Values carry pseudonyms and states, never patient identity.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const StudyId = defineSearchAttributeKey('StudyId', SearchAttributeType.KEYWORD);
/** Where the patient is in the protocol: the current timepoint name, or 'labelled' / 'withdrawn'. */
export const Stage = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);
/** 'pending' | 'passed' | 'failed' | 'overridden' for the latest scan; 'failed' while a timepoint awaits a re-scan, else 'needs-attention' while one waits for a person. */
export const QcStatus = defineSearchAttributeKey('QcStatus', SearchAttributeType.KEYWORD);
/** When the next scan is due. */
export const NextDue = defineSearchAttributeKey('NextDue', SearchAttributeType.DATETIME);
/** The model `name@version` behind the latest prediction. */
export const ModelVersion = defineSearchAttributeKey('ModelVersion', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [StudyId, Stage, QcStatus, NextDue, ModelVersion] as const;
