import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { BackendInfo, KeyPage } from '../cache';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { AdminCacheService, type AdminStats } from './admin-cache.service';
import { SymbolParams } from '../market-data/market-data.dto';
import { DeletedDto, DeleteKeysQuery, DeleteKeysResultDto, KeyPageDto, ListKeysQuery, StatsQuery, SymbolInvalidatedDto, TagParams, TtlDto, TtlQuery } from './admin-cache.dto';
import { AdminActor, AdminRoute } from './admin-route.decorator';

@ApiTags('admin')
@Controller('api/v1/admin/cache')
@AdminRoute()
export class AdminCacheController {
  constructor(private readonly admin: AdminCacheService) {}

  @Get('info')
  @ApiOperation({ summary: 'Cache backend, breaker, Redis version and memory, keys under our prefix' })
  @ApiOkResponse({ description: 'Backend facts (never the connection URL)' })
  info(): Promise<BackendInfo> {
    return this.admin.info();
  }

  @Get('keys')
  @ApiOperation({ summary: 'One page of keys matching a glob inside REDIS_PREFIX (SCAN cursor paging)' })
  @ApiOkResponse({ type: KeyPageDto })
  @ApiErrorResponses(400)
  listKeys(@Query() query: ListKeysQuery): Promise<KeyPage> {
    return this.admin.listKeys(query.pattern, query.cursor, query.count);
  }

  @Get('stats')
  @ApiOperation({ summary: 'Hits, misses, hit rate and keys per policy; the most requested keys' })
  @ApiOkResponse({ description: 'Counters since this replica started; key counts are lower bounds when `keys.capped`' })
  @ApiErrorResponses(400)
  stats(@Query() query: StatsQuery): Promise<AdminStats> {
    return this.admin.stats(query.top);
  }

  @Get('ttl')
  @ApiOperation({ summary: 'Remaining lifetime of one key in each tier, in seconds' })
  @ApiOkResponse({ type: TtlDto })
  @ApiErrorResponses(400)
  ttl(@Query() query: TtlQuery): Promise<TtlDto> {
    return this.admin.ttl(query.key);
  }

  @Delete('keys')
  @Idempotent()
  @ApiOperation({
    summary: 'Delete cache keys matching a glob inside REDIS_PREFIX from both tiers (SCAN + UNLINK); `dryRun=true` only counts them',
    description: 'Only cache keys ever match: state (alerts, stored screenings, leases) lives in a namespace no pattern reaches, `*` included.',
  })
  @ApiOkResponse({ type: DeleteKeysResultDto })
  @ApiErrorResponses(400)
  deleteKeys(@AdminActor() actor: string, @Query() query: DeleteKeysQuery): Promise<DeleteKeysResultDto> {
    if (query.dryRun === 'true') return this.admin.previewDelete(actor, query.pattern);
    return this.admin.deleteByPattern(actor, query.pattern);
  }

  @Delete('symbols/:symbol')
  @Idempotent()
  @ApiOperation({ summary: 'Delete every entry built from a symbol (values, derived values, HTTP responses) from L1, L2 and every replica' })
  @ApiOkResponse({ type: SymbolInvalidatedDto })
  @ApiErrorResponses(400)
  deleteSymbol(@AdminActor() actor: string, @Param() params: SymbolParams): Promise<SymbolInvalidatedDto> {
    return this.admin.invalidateSymbol(actor, params.symbol);
  }

  @Delete('tags/:tag')
  @Idempotent()
  @ApiOperation({ summary: 'Delete every key written with a tag, from both tiers' })
  @ApiOkResponse({ type: DeletedDto })
  @ApiErrorResponses(400)
  deleteTag(@AdminActor() actor: string, @Param() params: TagParams): Promise<DeletedDto> {
    return this.admin.invalidateTag(actor, params.tag);
  }
}
