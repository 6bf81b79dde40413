import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { BackendInfo, KeyPage } from '../cache';
import { ApiErrorResponses } from '../openapi/api-responses.decorator';
import { AdminCacheService, type AdminStats } from './admin-cache.service';
import { DeletedDto, DeleteKeysQuery, KeyPageDto, ListKeysQuery, StatsQuery, TagParams, TtlDto, TtlQuery } from './admin-cache.dto';
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
  @ApiOperation({ summary: 'Delete keys matching a glob inside REDIS_PREFIX from both tiers (SCAN + UNLINK)' })
  @ApiOkResponse({ type: DeletedDto })
  @ApiErrorResponses(400)
  deleteKeys(@AdminActor() actor: string, @Query() query: DeleteKeysQuery): Promise<DeletedDto> {
    return this.admin.deleteByPattern(actor, query.pattern);
  }

  @Delete('tags/:tag')
  @ApiOperation({ summary: 'Delete every key written with a tag, from both tiers' })
  @ApiOkResponse({ type: DeletedDto })
  @ApiErrorResponses(400)
  deleteTag(@AdminActor() actor: string, @Param() params: TagParams): Promise<DeletedDto> {
    return this.admin.invalidateTag(actor, params.tag);
  }
}
