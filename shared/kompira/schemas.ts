import { z } from 'zod';
import { JobStatus } from '../model/job';
import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from './objects';

/**
 * The Kompira dialect's answers as zod schemas, for the OpenAPI document only (the handlers build
 * them with the pure functions in objects.ts; the conformance test holds the two together).
 */
export const KompiraObjectSchema = z.object({
  id: z.string(),
  abspath: z.string(),
  owner: z.string(),
  fields: z.record(z.string(), z.unknown()).describe('a jobflow: source, multiplicity, parameters, ...; a directory: {}'),
  extra_properties: z.record(z.string(), z.unknown()),
  user_permissions: z.record(z.string(), z.unknown()),
  group_permissions: z.record(z.string(), z.unknown()),
  created: z.string(),
  updated: z.string(),
  display_name: z.string(),
  description: z.string(),
  type_object: z.enum(['/system/types/Jobflow', '/system/types/Directory']),
  parent_object: z.string().nullable(),
});

/** Django REST framework's PageNumberPagination page. */
export const KompiraPage = z.object({
  count: z.number().int().min(0),
  next: z.string().nullable(),
  previous: z.string().nullable(),
  results: z.array(KompiraObjectSchema),
});

export const KompiraProcessSchema = z.object({
  id: z.string(),
  abspath: z.string(),
  job: z.string().nullable().describe("the jobflow's path (null once its runbook is gone)"),
  runbook: z.string(),
  user: z.string(),
  status: z.enum(['NEW', 'READY', 'RUNNING', 'WAITING', 'ABORTED', 'DONE']),
  hookbook_status: JobStatus,
  status_details: z.string().nullable(),
  created_time: z.string(),
  started_time: z.string().nullable(),
  finished_time: z.string().nullable(),
  parameters: z.record(z.string(), z.unknown()),
  console: z.string(),
  result: z.unknown(),
  exception: z.string().nullable(),
});

/** `"/process/<jobId>"`, as Kompira answers `.execute`. */
export const ProcessPath = z.string().regex(/^\/process\/[0-9a-f-]+$/);

/** DRF's error shape `{"detail": "..."}`. */
export const KompiraDetail = z.object({ detail: z.string().describe('one sentence naming what is wrong') });

/** Kompira's paging (DRF PageNumberPagination): `?page=` from 1, `?page_size=` at most MAX_PAGE_SIZE. */
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  page_size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});

export const HtmlPage = z.string().describe('an HTML page, for a person with a browser');
