import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import { MarketDataModule } from '../market-data/market-data.module';
import { loadModelArtifact } from './model-loader';
import { ModelRuntime } from './model-runtime';
import { PredictionsController } from './predictions.controller';
import { PredictionsService } from './predictions.service';

@Module({
  imports: [MarketDataModule],
  controllers: [PredictionsController],
  providers: [
    PredictionsService,
    {
      // Loaded and validated once at boot: a missing or corrupt artifact stops the app from starting.
      provide: ModelRuntime,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => loadModelArtifact(config.get('inference', { infer: true }).modelPath),
    },
  ],
  exports: [PredictionsService],
})
export class InferenceModule {}
