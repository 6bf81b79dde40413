import { Logger } from '@nestjs/common';

// Tests assert on behaviour, not on log lines; keep errors visible, silence the rest.
Logger.overrideLogger(['error']);
