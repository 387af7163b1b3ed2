import type { Millicredits } from './amounts.ts';

/**
 * The launch offer, rate card version 1: every response costs one credit, a premium ElevenLabs voice
 * half a credit more. Migration 001 inserts it, so it never changes: new prices are a new version.
 */
export const LAUNCH_RATE_CARD: {
  readonly baseCost: Millicredits;
  readonly features: Readonly<Record<string, Millicredits>>;
} = {
  baseCost: 1000,
  features: { 'voice:elevenlabs': 500 },
};
