import { SetMetadata } from '@nestjs/common';
import { NO_CACHE_METADATA } from '../cache.constants';

/** Never cache this route (health, admin, anything with side effects), even under a cached controller. */
export const NoCache = () => SetMetadata(NO_CACHE_METADATA, true);
