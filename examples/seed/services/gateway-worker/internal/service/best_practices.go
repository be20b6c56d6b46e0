package service

import (
	"context"
	"fmt"
	"goweb/pkg/redis"
	"time"
)

// 在服务中添加监控日志
func (s *CustomWorkerService) LogConsumerStatus() {
	s.mutex.RLock()
	defer s.mutex.RUnlock()

	s.LogInfo("消费者状态", "active_count", len(s.consumers))

	for topic := range s.consumers {
		s.LogInfo("活跃消费者", "topic", topic)
	}
}

// 添加性能监控
func (s *CustomWorkerService) handleEmailSendWithMetrics(ctx context.Context, msg *redis.Message) error {
	start := time.Now()
	defer func() {
		duration := time.Since(start)
		s.LogInfo("邮件发送完成", "duration", duration.String())
	}()

	// 处理邮件发送
	return s.handleEmailSend(ctx, msg)
}

// 确保消息处理的幂等性
func (s *CustomWorkerService) handleEmailSendIdempotent(ctx context.Context, msg *redis.Message) error {
	messageID := msg.ID
	to := msg.Data["to"].(string)

	// 检查是否已经处理过
	if s.isMessageProcessed(messageID) {
		s.LogInfo("消息已处理，跳过", "message_id", messageID)
		return nil
	}

	// 处理消息
	err := s.sendEmail(ctx, to, msg.Data["subject"].(string), msg.Data["content"].(string))

	if err == nil {
		// 标记消息已处理
		s.markMessageProcessed(messageID)
	}

	return err
}

// 带重试的消息处理
func (s *CustomWorkerService) handleWithRetry(ctx context.Context, msg *redis.Message, handler redis.MessageHandler) error {
	maxRetries := 3
	retryDelay := time.Second

	for i := 0; i < maxRetries; i++ {
		err := handler(ctx, msg)
		if err == nil {
			return nil
		}

		s.LogWarn("消息处理失败，重试中", "retry", i+1, "error", err)

		if i < maxRetries-1 {
			time.Sleep(retryDelay * time.Duration(i+1))
		}
	}

	s.LogError("消息处理失败，已达最大重试次数", "message_id", msg.ID)
	return fmt.Errorf("消息处理失败，已重试 %d 次", maxRetries)
}

// 批量处理消息
func (s *CustomWorkerService) handleBatchEmail(ctx context.Context, messages []redis.Message) error {
	if len(messages) == 0 {
		return nil
	}

	s.LogInfo("批量处理邮件", "count", len(messages))

	// 批量发送邮件
	for _, msg := range messages {
		go func(m redis.Message) {
			if err := s.handleEmailSend(ctx, &m); err != nil {
				s.LogError("批量邮件发送失败", err, "message_id", m.ID)
			}
		}(msg)
	}

	return nil
}
