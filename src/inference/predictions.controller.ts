import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth';
import { CachePolicy } from '../cache';
import { SymbolParams } from '../market-data/market-data.dto';
import { ApiCachedOkResponse, ApiErrorResponses } from '../openapi/api-responses.decorator';
import {
  BatchPredictionsDto,
  BatchPredictionsResponseDto,
  MAX_PREDICTION_BATCH,
  PredictionQueryDto,
  PredictionResponseDto,
  type BatchPredictionsResponse,
  type PredictionResponse,
} from './predictions.dto';
import { PredictionsService } from './predictions.service';

@ApiTags('predictions')
@Controller('api/v1/predictions')
export class PredictionsController {
  constructor(private readonly predictions: PredictionsService) {}

  @RequireScope('read')
  @Get(':symbol')
  @CachePolicy('prediction')
  @ApiOperation({
    summary: 'ML prediction for one symbol',
    description: 'Probability that the close is higher after the model horizon (20 trading days), from the bundled logistic model; see docs/MODEL_CARD.md.',
  })
  @ApiCachedOkResponse(PredictionResponseDto, 'The prediction (cached under the `prediction` policy).')
  @ApiErrorResponses(400, 404, 422, 502, 503)
  getPrediction(@Param() params: SymbolParams, @Query() query: PredictionQueryDto): Promise<PredictionResponse> {
    return this.predictions.predict(params.symbol, { explain: query.explain === 'true' });
  }

  // A read, so 200 rather than POST's default 201.
  @RequireScope('compute')
  @Post('batch')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: `ML predictions for up to ${MAX_PREDICTION_BATCH} symbols`,
    description: 'Cached answers come from one MGET, only the misses are computed; unknown and too-young symbols are listed apart.',
  })
  @ApiOkResponse({ type: BatchPredictionsResponseDto, description: 'Predictions in request order, plus what could not be predicted.' })
  @ApiErrorResponses(400, 413, 502, 503)
  predictBatch(@Body() body: BatchPredictionsDto): Promise<BatchPredictionsResponse> {
    return this.predictions.predictMany(body.symbols, { explain: body.explain });
  }
}
